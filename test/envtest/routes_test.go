// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// component is a third-party platform the simulator plays WeChat for.
var component = func() sim.Component {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return sim.Component{AppID: "wx0c0a1c0b2c3d4e5f", Secret: "component-secret-for-envtest", Token: "callback-token",
		EncodingAESKey: strings.TrimSuffix(base64.StdEncoding.EncodeToString(key), "=")}
}()

// thirdPartyPlatformConfig creates the PlatformConfig "wechat" on the ThirdPartyPlatform route, its opted-in
// Secrets, and the verify ticket Secret wxlink's callback would have written for the simulator's last push.
func (e *env) thirdPartyPlatformConfig() {
	e.t.Helper()
	push, err := e.sim.PushTicket(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "component", Labels: optedIn}, StringData: map[string]string{
		"secret": component.Secret, "token": component.Token, "aesKey": component.EncodingAESKey}})
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "ticket",
		Labels: map[string]string{controllers.ManagedByLabel: controllers.ManagedByValue}},
		StringData: map[string]string{controllers.VerifyTicketKey: push.Ticket,
			controllers.VerifyTicketTimeKey: clock.Now().UTC().Format(time.RFC3339)}})
	e.create(&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "wechat"}, Spec: wx.PlatformConfigSpec{
		CredentialsRoute: wx.CredentialsRouteThirdPartyPlatform,
		ThirdPartyPlatform: &wx.ThirdPartyPlatform{ComponentAppID: wx.AppID(component.AppID),
			ComponentSecretRef: wx.SecretKeySelector{Name: "component", Key: "secret"},
			CallbackTokenRef:   wx.SecretKeySelector{Name: "component", Key: "token"},
			EncodingAESKeyRef:  wx.SecretKeySelector{Name: "component", Key: "aesKey"}, VerifyTicketSecretName: "ticket"}}})
}

// authorise makes an account seeded in the simulator authorise the third-party platform, and puts its
// authorizer refresh token in its credentials Secret.
func (e *env) authorise(name string) {
	e.t.Helper()
	a, ok := e.sim.Account(e.appID(name))
	if !ok {
		e.t.Fatalf("account %s is not seeded", name)
	}
	a.AuthorizerRefreshToken = "refresh-" + a.AppID
	if err := e.sim.Seed(a); err != nil {
		e.t.Fatal(err)
	}
	s := &corev1.Secret{}
	e.get(name+"-credentials", s)
	s.StringData = map[string]string{"authorizerRefreshToken": a.AuthorizerRefreshToken}
	if err := k8s.Update(context.Background(), s); err != nil {
		e.t.Fatal(err)
	}
}

// Older wxamplinkget responses name linked Mini Programs by original ID only. On the OwnSecret route nothing
// shows a Mini Program's original ID: the link says which field to set and never asks twice; on the
// ThirdPartyPlatform route the description shows it. Either way the link is made once, and deleted.
func TestAppIDlessLinkListsOnBothRoutes(t *testing.T) {
	for _, route := range []wx.CredentialsRoute{wx.CredentialsRouteOwnSecret, wx.CredentialsRouteThirdPartyPlatform} {
		t.Run(string(route), func(t *testing.T) {
			opts := sim.Options{OmitLinkAppID: true}
			if route == wx.CredentialsRouteThirdPartyPlatform {
				c := component
				opts.Component = &c
			}
			e := newEnvWith(t, 2*time.Second, opts)
			if route == wx.CredentialsRouteThirdPartyPlatform {
				e.thirdPartyPlatformConfig()
			} else {
				e.platformConfig()
			}
			e.officialAccount("news", companyA)
			e.miniProgram("mall", companyA, sim.Verified)
			if route == wx.CredentialsRouteThirdPartyPlatform {
				e.authorise("news")
				e.authorise("mall")
			}
			e.link("news-mall", "news", "mall")
			requests := func() int { return e.sim.Calls()["/cgi-bin/wxopen/wxamplink"] }
			if route == wx.CredentialsRouteOwnSecret {
				l := e.linkReason("news-mall", wx.ReasonOriginalIDRequired)
				if msg := readyMessage(l.Status.Conditions); !strings.Contains(msg, "spec.originalID of MiniProgram mall") ||
					!strings.Contains(msg, "原始ID") {
					t.Errorf("the message %q does not say which field to set and where the console shows it", msg)
				}
				mp := &wx.MiniProgram{}
				e.get("mall", mp)
				a, _ := e.sim.Account(e.appID("mall"))
				e.patch(mp, func() { mp.Spec.OriginalID = a.Username })
			}
			l := e.linkReason("news-mall", wx.ReasonAvailable)
			if n := requests(); n != 1 {
				t.Errorf("wxamplink was called %d times, want 1", n)
			}
			if c := l.Status.MonthlyRequests; c == nil || c.Count != 1 {
				t.Errorf("the link's record of the month = %+v, want 1", c)
			}
			e.deleteLink("news-mall")
			if _, ok := e.sim.Link(e.appID("news"), e.appID("mall")); ok {
				t.Error("the deleted link was left on the platform")
			}
		})
	}
}

// On the third-party route without the permission set of getaccountbasicinfo, the platform reports no
// subject type: status keeps the declared one (an empty type would make the apiserver refuse every status
// write of the account), and SubjectMatched says so.
func TestASubjectTypeThePlatformDoesNotReportIsTheDeclaredOne(t *testing.T) {
	c := component
	e := newEnvWith(t, 2*time.Second, sim.Options{Component: &c})
	e.thirdPartyPlatformConfig()
	if _, err := e.sim.InjectFault(sim.Fault{Path: "/cgi-bin/account/getaccountbasicinfo", ErrCode: 48001}); err != nil {
		t.Fatal(err)
	}
	oa := e.officialAccount("news", companyA)
	e.authorise("news")
	e.waitReason("news", oa, wx.ReasonAvailable)
	if oa.Status.Subject == nil || oa.Status.Subject.Type != companyA.Type {
		t.Errorf("status.subject = %+v, want the declared type %s", oa.Status.Subject, companyA.Type)
	}
	if c := meta.FindStatusCondition(oa.Status.Conditions, wx.ConditionSubjectMatched); c == nil || !strings.Contains(c.Message, "not its type") {
		t.Errorf("SubjectMatched = %+v; want it to say the type is declared, not observed", c)
	}
}
