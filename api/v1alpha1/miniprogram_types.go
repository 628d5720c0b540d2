// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WeChatID is a WeChat user's ID (微信号): 6 to 20 letters, digits, "-" or "_", starting with a letter.
// +kubebuilder:validation:Pattern=`^[a-zA-Z][-_a-zA-Z0-9]{5,19}$`
type WeChatID string

// MiniProgramMembers declares the Mini Program's members that wxlink reconciles through the API.
// Developers are managed in the Mini Program console only (the platform has no API for them); wxlink
// reports their count against the limit.
// +kubebuilder:validation:XValidation:rule="!has(self.testers) || size(self.testers) <= 40",message="a Mini Program has at most 40 testers (20/40 for a verified organisation, 10/20 unverified, 5/10 for an individual): remove testers from spec.members.testers"
type MiniProgramMembers struct {
	// testers (体验者) by WeChat ID. The platform allows 40 for a verified organisation, 20 for an unverified
	// one and 10 for an individual; wxlink checks the limit that applies before calling the platform.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	Testers []WeChatID `json:"testers,omitempty"`
}

// MiniProgramSpec declares an existing Mini Program (小程序).
type MiniProgramSpec struct {
	// appID of the Mini Program: "wx" followed by 16 hexadecimal characters. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="appID is immutable: an object names one account for its whole life; create a new object for another account"
	AppID AppID `json:"appID"`

	AccountSpec `json:",inline"`

	// originalID is the Mini Program's original ID (原始ID): "gh_" followed by 12 hexadecimal characters, shown
	// in the Mini Program's console at mp.weixin.qq.com → 设置 → 基本设置 → 原始ID. Older wxamplinkget responses
	// name linked Mini Programs only by it; on the OwnSecret route nothing else tells wxlink which one is
	// this Mini Program, so set it when a link reports OriginalIDRequired. wxlink also learns it wherever the
	// platform shows it (status.username).
	// +optional
	// +kubebuilder:validation:Pattern=`^gh_[0-9a-f]{12}$`
	OriginalID string `json:"originalID,omitempty"`

	// members to reconcile on the platform. When unset, wxlink leaves the members alone.
	// +optional
	Members *MiniProgramMembers `json:"members,omitempty"`

	// managementPolicy Full binds and unbinds testers to match spec.members; ObserveOnly only reports.
	// +optional
	// +kubebuilder:default=Full
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`
}

// BoundTester maps a declared tester's WeChat ID to the userstr the platform knows it by. The platform lists
// testers only by userstr, so this map is how wxlink knows which declared testers are bound.
type BoundTester struct {
	// wechatID is the tester's WeChat ID, as declared.
	// +required
	WeChatID WeChatID `json:"wechatID"`
	// userStr is the platform's opaque ID for the tester in this Mini Program; empty when the tester was
	// already bound before wxlink (the platform then does not say which userstr is theirs).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	UserStr string `json:"userStr,omitempty"`
}

// MiniProgramMemberStatus is the use of the member limits.
type MiniProgramMemberStatus struct {
	// boundTesters are the declared testers wxlink bound, with their userstr.
	// +optional
	// +listType=map
	// +listMapKey=wechatID
	// +kubebuilder:validation:MaxItems=100
	BoundTesters []BoundTester `json:"boundTesters,omitempty"`

	// testers is the number of testers bound on the platform, as "count/limit".
	// +optional
	Testers string `json:"testers,omitempty"`
	// developersLimit is the number of developers the subject and verification allow.
	// +optional
	DevelopersLimit int32 `json:"developersLimit,omitempty"`
}

// MiniProgramStatus is what wxlink observed about the Mini Program.
type MiniProgramStatus struct {
	StatusBase `json:",inline"`

	ObservedAccount `json:",inline"`

	// username is the Mini Program's original ID (原始ID, gh_…), which older platform responses use instead of
	// the AppID. The ThirdPartyPlatform route reports it; getaccountbasicinfo (OwnSecret) does not.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Username string `json:"username,omitempty"`

	// released is true when a version of the Mini Program is released on WeChat. WeCom can only show
	// released Mini Programs.
	// +optional
	Released *bool `json:"released,omitempty"`

	// linkedBy is the number of Official Accounts associated with the Mini Program, as "count/500".
	// +optional
	LinkedBy string `json:"linkedBy,omitempty"`

	// monthlyLinks is the count of new associations that wxlink versions before v1alpha1's monthly ledger kept
	// here. It is read (for its own month) and never written: the month's use is now derived from the links'
	// own records (status.monthlyRequests) and monthlyLedger.
	// +optional
	MonthlyLinks *MonthlyCount `json:"monthlyLinks,omitempty"`

	// monthlyLedger keeps, for the rest of their WeChat month, the new associations made by links that have
	// since been deleted, one entry per link, so that deleting and re-creating links cannot reset the month.
	// It is written only when such a link is deleted.
	// +optional
	// +listType=map
	// +listMapKey=uid
	// +kubebuilder:validation:MaxItems=1000
	MonthlyLedger []LedgerEntry `json:"monthlyLedger,omitempty"`

	// members is the use of the member limits.
	// +optional
	Members MiniProgramMemberStatus `json:"members,omitempty"`
}

// MiniProgram is an existing WeChat Mini Program (小程序) that wxlink observes, links to and manages testers of.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mp,categories=wechat
// +kubebuilder:printcolumn:name="AppID",type=string,JSONPath=`.spec.appID`
// +kubebuilder:printcolumn:name="Subject",type=string,JSONPath=`.spec.subject.name`
// +kubebuilder:printcolumn:name="Verified",type=string,JSONPath=`.status.verification`
// +kubebuilder:printcolumn:name="Linked-By",type=string,JSONPath=`.status.linkedBy`
// +kubebuilder:printcolumn:name="Testers",type=string,JSONPath=`.status.members.testers`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type MiniProgram struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec MiniProgramSpec `json:"spec"`
	// +optional
	Status MiniProgramStatus `json:"status,omitempty"`
}

// MiniProgramList is a list of MiniPrograms.
//
// +kubebuilder:object:root=true
type MiniProgramList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MiniProgram `json:"items"`
}

func init() {
	register(&MiniProgram{}, &MiniProgramList{})
}
