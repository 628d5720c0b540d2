// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// reconcileConsoleLink handles the association types that the platform lets only a person make, in a
// console: it says exactly who must act and where, and never pretends success.
func (r *AssociationLinkReconciler) reconcileConsoleLink(ctx context.Context, link *wx.AssociationLink) (ctrl.Result, error) {
	from, to, err := r.resolveConsoleEnds(ctx, link)
	if err != nil {
		return ctrl.Result{}, err
	}
	same := rules.SameSubject(from.subject, to.subject)
	link.Status.SubjectRelation = wx.SubjectRelationOther
	if same {
		link.Status.SubjectRelation = wx.SubjectRelationSame
	}
	link.Status.FromAppID, link.Status.ToAppID = from.id, to.id
	setCondition(link, wx.ConditionAdmitted, metav1.ConditionTrue, wx.ReasonWithinQuota, "no platform quota applies to this association type")

	if c := link.Spec.ConfirmedInConsole; c != nil {
		// Only a person's word says the association exists: Ready, and plainly unobservable.
		link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateConfirmed}
		msg := fmt.Sprintf("confirmed in the console by %s on %s: %s associates %s (%s) with %s (%s); wxlink cannot observe "+
			"this association through an API, so it cannot detect if it is undone", c.By, c.On, link.Spec.Type, from.name, from.id,
			to.name, to.id)
		setCondition(link, wx.ConditionLinked, metav1.ConditionTrue, wx.ReasonConfirmedInConsole, msg)
		ready(link, metav1.ConditionTrue, wx.ReasonConfirmedInConsole, msg)
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	if link.Spec.Type == wx.ChannelsToMiniProgram {
		// No binding API: wxlink reports the derived eligibility.
		link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateActionRequired}
		if same {
			msg := fmt.Sprintf("eligible: Channels account %s and Mini Program %s share the subject %q, so Channels can show the "+
				"Mini Program's products and the Mini Program can open the Channels live room and videos; wxlink cannot observe "+
				"the binding itself (no API)", link.Spec.From.Name, link.Spec.To.Name, from.subject.Name)
			setCondition(link, wx.ConditionLinked, metav1.ConditionTrue, wx.ReasonEligible, msg)
			ready(link, metav1.ConditionTrue, wx.ReasonEligible, msg)
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		}
		msg := fmt.Sprintf("not eligible yet: the Channels account (%q) and the Mini Program (%q) have different subjects; "+
			"the Mini Program's administrator must add the Channels subject as an associated subject (关联主体) on the Mini "+
			"Program's Open Platform account at open.weixin.qq.com, which WeChat reviews by hand", from.subject.Name, to.subject.Name)
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
		return ctrl.Result{RequeueAfter: r.pending()}, nil
	}

	link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateActionRequired}
	msg := consoleSteps(link, from, to)
	setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
	ready(link, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

type consoleEnd struct {
	name    string
	id      string
	subject rules.Subject
}

func (r *AssociationLinkReconciler) resolveConsoleEnds(ctx context.Context, link *wx.AssociationLink) (consoleEnd, consoleEnd, error) {
	from, err := r.resolveConsoleEnd(ctx, link.Namespace, link.Spec.From)
	if err != nil {
		return from, consoleEnd{}, err
	}
	to, err := r.resolveConsoleEnd(ctx, link.Namespace, link.Spec.To)
	return from, to, err
}

func (r *AssociationLinkReconciler) resolveConsoleEnd(ctx context.Context, ns string, ref wx.AccountReference) (consoleEnd, error) {
	end := consoleEnd{name: ref.Name}
	switch ref.Kind {
	case wx.KindOfficialAccount:
		o := &wx.OfficialAccount{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = string(o.Spec.AppID), observedSubject(o.Spec.Subject, o.Status.Subject)
	case wx.KindMiniProgram:
		o := &wx.MiniProgram{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = string(o.Spec.AppID), observedSubject(o.Spec.Subject, o.Status.Subject)
	case wx.KindWeComCorp:
		o := &wx.WeComCorp{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = o.Spec.CorpID, observedSubject(o.Spec.Subject, o.Status.Subject)
	case wx.KindChannelsAccount:
		o := &wx.ChannelsAccount{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = o.Spec.FinderID, observedSubject(o.Spec.Subject, o.Status.Subject)
	case wx.KindWeChatStore:
		o := &wx.WeChatStore{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = string(o.Spec.AppID), observedSubject(o.Spec.Subject, o.Status.Subject)
	}
	return end, nil
}

// consoleSteps is the exact procedure for an association only a console can make.
func consoleSteps(link *wx.AssociationLink, from, to consoleEnd) string {
	steps := map[wx.AssociationType]string{
		wx.WeComToMiniProgram: "the WeCom administrator opens work.weixin.qq.com → 应用管理 → 小程序 → 关联小程序, and the Mini " +
			"Program's administrator scans the authorisation QR code once; then set the visibility scope to " +
			visibilityText(link) + ". Only a Mini Program released on WeChat runs in WeCom",
		wx.StoreToChannels: "the store's administrator opens the WeChat Store console (store.weixin.qq.com) → 店铺管理 → " +
			"视频号管理 and binds the Channels account; it needs an enterprise-verified Channels account with the product showcase (商品橱窗)",
		wx.StoreToWeCom: "the store's administrator opens the WeChat Store console → 合作账号 → 企业微信 and binds the corp",
	}
	return fmt.Sprintf("action required: %s associates %s (%s) with %s (%s) in a console only: %s. wxlink cannot "+
		"observe this association through an API: once it is made, record it in spec.confirmedInConsole (by, on)",
		link.Spec.Type, from.name, from.id, to.name, to.id, steps[link.Spec.Type])
}

func visibilityText(link *wx.AssociationLink) string {
	if link.Spec.WeCom == nil {
		return "the members who should see it"
	}
	v := link.Spec.WeCom.Visibility
	var parts []string
	if len(v.Departments) > 0 {
		parts = append(parts, fmt.Sprintf("departments %v", v.Departments))
	}
	if len(v.Users) > 0 {
		parts = append(parts, fmt.Sprintf("users %v", v.Users))
	}
	if len(v.Tags) > 0 {
		parts = append(parts, fmt.Sprintf("tags %v", v.Tags))
	}
	return strings.Join(parts, ", ")
}
