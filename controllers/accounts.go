// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// accountFor resolves an account's PlatformConfig, platform client and credential from its Secret.
func accountFor(ctx context.Context, c client.Client, platforms PlatformProvider, ns string, appID wx.AppID,
	spec *wx.AccountSpec) (platform.Platform, platform.Account, error) {
	pc := &wx.PlatformConfig{}
	if err := getRef(ctx, c, ns, spec.PlatformConfigRef.Name, "PlatformConfig", pc); err != nil {
		return nil, platform.Account{}, err
	}
	p, err := platforms.For(ctx, pc)
	if err != nil {
		return nil, platform.Account{}, err
	}
	acct := platform.Account{AppID: string(appID)}
	if spec.Credentials == nil {
		return nil, acct, &dependencyError{wx.ReasonDependencyNotFound,
			"spec.credentials is not set: name the Secret that holds the account's AppSecret or authorizer refresh token"}
	}
	key := spec.Credentials.AppSecretKey
	if pc.Spec.CredentialsRoute == wx.CredentialsRouteThirdPartyPlatform {
		key = spec.Credentials.AuthorizerRefreshTokenKey
	}
	value, err := platforms.Credential(ctx, ns, wx.SecretKeySelector{Name: spec.Credentials.SecretName, Key: key})
	if d, ok := asDependency(err); ok && d.reason == wx.ReasonDependencyNotFound {
		return nil, acct, &dependencyError{d.reason, fmt.Sprintf("%s (the %s route reads key %q)", d.message, pc.Spec.CredentialsRoute, key)}
	}
	if err != nil {
		return nil, acct, err
	}
	acct.Credential = value
	return p, acct, nil
}

// observedSubject is the subject the platform reported, or the declared one until it has been observed.
func observedSubject(declared wx.Subject, observed *wx.Subject) rules.Subject {
	s := declared
	if observed != nil && observed.Name != "" {
		s = *observed
	}
	return rules.Subject{Name: s.Name, Type: rules.SubjectType(s.Type)}
}

// platformErrorReason maps a platform error to a condition reason and says whether it is terminal.
func platformErrorReason(err error) (string, bool) {
	if e, ok := platform.As(err); ok {
		return e.Reason, e.Class == platform.ClassTerminal
	}
	return wx.ReasonReconcileError, false
}

// observedAccount converts the platform's description, read at the given time, into status.
func observedAccount(info *platform.AccountInfo, at time.Time) wx.ObservedAccount {
	o := wx.ObservedAccount{Nickname: truncate(info.Nickname, 128), LastObservedTime: ptr.To(metav1.NewTime(at)),
		Verification: wx.VerificationState(info.Verification)}
	if info.Subject.Name != "" || info.Subject.Type != "" {
		o.Subject = &wx.Subject{Name: truncate(info.Subject.Name, 128), Type: wx.SubjectType(info.Subject.Type)}
	}
	return o
}

// completeSubject returns info with the subject type taken from the declared subject when the platform did
// not report one (the third-party route without the permission for getaccountbasicinfo), and whether it did
// so: status then never holds an empty subject type, which the API refuses (and with it the whole status).
func completeSubject(info *platform.AccountInfo, declared wx.Subject) (*platform.AccountInfo, bool) {
	if info.Subject.Type != "" {
		return info, false
	}
	c := *info
	c.Subject.Type = rules.SubjectType(declared.Type)
	return &c, true
}

// accountHealth applies the subject and verification rules to an observed account and sets the
// SubjectMatched and Verified conditions. A violation emits an Event when it first appears. typeDeclared
// says the platform reported no subject type, so the declared one stands in for it.
func accountHealth(obj conditioned, declared wx.Subject, observed *wx.Subject, info *platform.AccountInfo, typeDeclared bool,
	rec events.EventRecorder) (string, string, bool) {
	prev := meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionReady)
	violation := func(reason, msg string) (string, string, bool) {
		if prev == nil || prev.Reason != reason {
			rec.Eventf(obj, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Observe", "%s", msg)
		}
		return reason, msg, false
	}
	want := rules.Subject{Name: declared.Name, Type: rules.SubjectType(declared.Type)}
	if observed == nil || !rules.SameSubject(want, info.Subject) {
		got := "no subject"
		if observed != nil {
			got = fmt.Sprintf("%q (%s)", observed.Name, observed.Type)
		}
		msg := fmt.Sprintf("spec.subject is %q (%s) but the platform reports %s; an account's subject never changes after "+
			"registration, so fix spec.subject (or the appID)", declared.Name, declared.Type, got)
		setCondition(obj, wx.ConditionSubjectMatched, metav1.ConditionFalse, wx.ReasonSubjectMismatch, msg)
		return violation(wx.ReasonSubjectMismatch, msg)
	}
	matched := fmt.Sprintf("the platform reports the declared subject %q", declared.Name)
	if typeDeclared {
		matched = fmt.Sprintf("the platform reports the declared subject name %q but not its type on this route, so the "+
			"declared type %s is used; to have it checked, grant the third-party platform the permission set that includes "+
			"getaccountbasicinfo", declared.Name, declared.Type)
	}
	setCondition(obj, wx.ConditionSubjectMatched, metav1.ConditionTrue, wx.ReasonSubjectMatched, matched)
	if v := rules.CheckVerification(info.Subject.Type, info.Verification); v != nil {
		setCondition(obj, wx.ConditionVerified, metav1.ConditionFalse, v.Reason, v.Message)
		return violation(v.Reason, v.Message)
	}
	status := metav1.ConditionFalse
	if info.Verification == rules.VerificationVerified {
		status = metav1.ConditionTrue
	}
	setCondition(obj, wx.ConditionVerified, status, string(info.Verification),
		fmt.Sprintf("WeChat verification (微信认证) is %s, which a %s subject allows", info.Verification, info.Subject.Type))
	return "", "", true
}
