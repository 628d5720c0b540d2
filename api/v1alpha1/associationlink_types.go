// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AssociationType is the kind of association between two accounts. It must agree with the kinds of the
// link's two ends. A third-party store (微店/有赞/微盟) binding is planned as its own kind, not a type here.
// +kubebuilder:validation:Enum=OfficialAccountToMiniProgram;WeComToMiniProgram;ChannelsToMiniProgram;StoreToChannels;StoreToOfficialAccount;StoreToWeCom;StoreToMiniProgram
// +kubebuilder:validation:MaxLength=32
type AssociationType string

// Association types and the ends they join (from -> to).
const (
	// OfficialAccountToMiniProgram (公众号关联小程序): OfficialAccount -> MiniProgram. Quota: 10 same-subject and
	// 3 other-subject per Official Account, 500 per Mini Program, 13 and 500 new a month.
	OfficialAccountToMiniProgram AssociationType = "OfficialAccountToMiniProgram"
	// WeComToMiniProgram: WeComCorp -> MiniProgram. Console-only: the Mini Program's admin scans once, then a
	// visibility scope is set.
	WeComToMiniProgram AssociationType = "WeComToMiniProgram"
	// ChannelsToMiniProgram: ChannelsAccount -> MiniProgram. No binding API: derived eligibility.
	ChannelsToMiniProgram AssociationType = "ChannelsToMiniProgram"
	// StoreToChannels: WeChatStore -> ChannelsAccount.
	StoreToChannels AssociationType = "StoreToChannels"
	// StoreToOfficialAccount: WeChatStore -> OfficialAccount (partner account, 合作账号): wxlink invites the
	// account through the store's API; its admin accepts by hand.
	StoreToOfficialAccount AssociationType = "StoreToOfficialAccount"
	// StoreToWeCom: WeChatStore -> WeComCorp (console-only).
	StoreToWeCom AssociationType = "StoreToWeCom"
	// StoreToMiniProgram: WeChatStore -> MiniProgram (partner account, 合作账号): wxlink invites the Mini
	// Program through the store's API; its admin accepts by hand.
	StoreToMiniProgram AssociationType = "StoreToMiniProgram"
)

// AccountKind names a wxlink account kind at one end of an association.
// +kubebuilder:validation:Enum=OfficialAccount;MiniProgram;WeComCorp;ChannelsAccount;WeChatStore
// +kubebuilder:validation:MaxLength=32
type AccountKind string

// Account kinds.
const (
	KindOfficialAccount AccountKind = "OfficialAccount"
	KindMiniProgram     AccountKind = "MiniProgram"
	KindWeComCorp       AccountKind = "WeComCorp"
	KindChannelsAccount AccountKind = "ChannelsAccount"
	KindWeChatStore     AccountKind = "WeChatStore"
)

// AccountReference names an account object of a given kind in the same namespace.
// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="references are namespace-local: remove namespace, and declare the account in this object's own namespace"
type AccountReference struct {
	// kind of the referenced account.
	// +required
	Kind AccountKind `json:"kind"`

	// name of the referenced account object, in the same namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of an object in the same namespace (lower-case letters, digits, '-' and '.'): references are namespace-local, so write the name alone, without a namespace/ prefix"
	Name string `json:"name"`

	// namespace is not supported: references are namespace-local. The field exists only so that a reference
	// that sets it is refused with a message that says so, instead of being dropped.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
}

// OfficialAccountLinkOptions are the options of an OfficialAccountToMiniProgram association.
type OfficialAccountLinkOptions struct {
	// notifyFollowers sends the account's followers a notice of the new Mini Program (notify_users).
	// +optional
	// +kubebuilder:default=false
	NotifyFollowers bool `json:"notifyFollowers,omitempty"`

	// showOnProfile shows the Mini Program on the Official Account's profile page (show_profile).
	// +optional
	// +kubebuilder:default=false
	ShowOnProfile bool `json:"showOnProfile,omitempty"`
}

// WeComVisibility is which members of the corp see the Mini Program on the WeCom workbench.
// +kubebuilder:validation:XValidation:rule="(has(self.departments) && size(self.departments) > 0) || (has(self.users) && size(self.users) > 0) || (has(self.tags) && size(self.tags) > 0)",message="weCom.visibility needs at least one department, user or tag: an empty scope hides the Mini Program from everyone"
type WeComVisibility struct {
	// departments by WeCom department ID.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	Departments []int64 `json:"departments,omitempty"`
	// users by WeCom userid.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MaxLength=64
	Users []string `json:"users,omitempty"`
	// tags by WeCom tag ID.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	Tags []int64 `json:"tags,omitempty"`
}

// WeComLinkOptions are the options of a WeComToMiniProgram association.
type WeComLinkOptions struct {
	// visibility is the scope of members who see the Mini Program on the workbench.
	// +required
	Visibility WeComVisibility `json:"visibility"`
}

// StoreLinkOptions are the options of a WeChat Store partner link (StoreToOfficialAccount,
// StoreToMiniProgram).
type StoreLinkOptions struct {
	// reinviteAfterTimeout invites the partner again when its admin let an invitation time out (status 5).
	// Without it a timed-out invitation stays as it is until the spec changes.
	// +optional
	// +kubebuilder:default=false
	ReinviteAfterTimeout bool `json:"reinviteAfterTimeout,omitempty"`

	// sharerType is the partner type sent as sharer_type. The WeChat Store docs' table says 2 for an
	// Official Account and 3 for a Mini Program (the defaults), while their examples disagree; this fact is
	// unverified against the live API, so it can be overridden here.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	SharerType *int32 `json:"sharerType,omitempty"`
}

// ConsoleConfirmation is a person's word that they made an association in a console.
type ConsoleConfirmation struct {
	// by names who made the association, for example a name or an e-mail address.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	By string `json:"by"`
	// on is the day they made it, as YYYY-MM-DD.
	// +required
	// +kubebuilder:validation:Format=date
	// +kubebuilder:validation:MaxLength=10
	On string `json:"on"`
}

// AssociationLinkSpec declares one association between two accounts.
//
// +kubebuilder:validation:XValidation:rule="{'OfficialAccountToMiniProgram': ['OfficialAccount', 'MiniProgram'], 'WeComToMiniProgram': ['WeComCorp', 'MiniProgram'], 'ChannelsToMiniProgram': ['ChannelsAccount', 'MiniProgram'], 'StoreToChannels': ['WeChatStore', 'ChannelsAccount'], 'StoreToOfficialAccount': ['WeChatStore', 'OfficialAccount'], 'StoreToWeCom': ['WeChatStore', 'WeComCorp'], 'StoreToMiniProgram': ['WeChatStore', 'MiniProgram']}[self.type] == [self.from.kind, self.to.kind]",messageExpression="'type ' + self.type + ' joins from.kind ' + {'OfficialAccountToMiniProgram': 'OfficialAccount to to.kind MiniProgram', 'WeComToMiniProgram': 'WeComCorp to to.kind MiniProgram', 'ChannelsToMiniProgram': 'ChannelsAccount to to.kind MiniProgram', 'StoreToChannels': 'WeChatStore to to.kind ChannelsAccount', 'StoreToOfficialAccount': 'WeChatStore to to.kind OfficialAccount', 'StoreToWeCom': 'WeChatStore to to.kind WeComCorp', 'StoreToMiniProgram': 'WeChatStore to to.kind MiniProgram'}[self.type] + ', not ' + self.from.kind + ' to ' + self.to.kind + ': set from.kind and to.kind to those ends, or choose the type that joins ' + self.from.kind + ' to ' + self.to.kind",reason=FieldValueInvalid,fieldPath=.type
// +kubebuilder:validation:XValidation:rule="!has(self.confirmedInConsole) || !(self.type in ['OfficialAccountToMiniProgram', 'StoreToOfficialAccount', 'StoreToMiniProgram'])",message="confirmedInConsole applies only to associations that a console makes: wxlink makes and observes OfficialAccountToMiniProgram and the WeChat Store partner links (StoreToOfficialAccount, StoreToMiniProgram) itself, so remove it"
// +kubebuilder:validation:XValidation:rule="!has(self.store) || self.type in ['StoreToOfficialAccount', 'StoreToMiniProgram']",message="options.store applies only to the WeChat Store partner links StoreToOfficialAccount and StoreToMiniProgram: remove it"
// +kubebuilder:validation:XValidation:rule="!has(self.officialAccount) || self.type == 'OfficialAccountToMiniProgram'",message="options.officialAccount applies only to type OfficialAccountToMiniProgram: remove it"
// +kubebuilder:validation:XValidation:rule="!has(self.weCom) || self.type == 'WeComToMiniProgram'",message="options.weCom applies only to type WeComToMiniProgram: remove it"
// +kubebuilder:validation:XValidation:rule="self.type != 'WeComToMiniProgram' || has(self.weCom)",message="type WeComToMiniProgram needs weCom.visibility: say which departments, users or tags see the Mini Program"
type AssociationLinkSpec struct {
	// type of the association. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="type is immutable: delete the link and create a new one"
	Type AssociationType `json:"type"`

	// from is the owner of the association: the account whose quota the link uses. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="from is immutable: a link joins the same two accounts for its whole life; delete it and create a new one"
	From AccountReference `json:"from"`

	// to is the account being associated. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="to is immutable: a link joins the same two accounts for its whole life; delete it and create a new one"
	To AccountReference `json:"to"`

	// officialAccount holds the options of an OfficialAccountToMiniProgram association.
	// +optional
	OfficialAccount *OfficialAccountLinkOptions `json:"officialAccount,omitempty"`

	// weCom holds the options of a WeComToMiniProgram association.
	// +optional
	WeCom *WeComLinkOptions `json:"weCom,omitempty"`

	// store holds the options of a WeChat Store partner link (StoreToOfficialAccount, StoreToMiniProgram).
	// +optional
	Store *StoreLinkOptions `json:"store,omitempty"`

	// confirmedInConsole records that a person made this association in a console, for the types that only a
	// console can make (WeComToMiniProgram, ChannelsToMiniProgram, StoreToChannels, StoreToWeCom). wxlink cannot observe them through an
	// API: with this record the link is Ready (reason ConfirmedInConsole), without it Stalled with the exact
	// console steps. wxlink cannot detect drift of a confirmed association.
	// +optional
	ConfirmedInConsole *ConsoleConfirmation `json:"confirmedInConsole,omitempty"`

	// deletionPolicy Delete unlinks on the platform when the object is deleted; Orphan leaves the link in place.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// managementPolicy Full links on the platform; ObserveOnly adopts and reports, and never writes.
	// +optional
	// +kubebuilder:default=Full
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`
}

// SubjectRelation says whether the two ends of a link share a subject.
// +kubebuilder:validation:Enum=Same;Other
type SubjectRelation string

const (
	// SubjectRelationSame: both ends belong to the same subject; the link takes effect at once.
	SubjectRelationSame SubjectRelation = "Same"
	// SubjectRelationOther: the ends belong to different subjects; the other side's admin must authorise.
	SubjectRelationOther SubjectRelation = "Other"
)

// AdmissionState is the result of quota admission.
// +kubebuilder:validation:Enum=Admitted;Queued
type AdmissionState string

const (
	// AdmissionAdmitted: the link fits every quota and may be made on the platform.
	AdmissionAdmitted AdmissionState = "Admitted"
	// AdmissionQueued: a quota is full; the link waits and is admitted automatically when a slot frees.
	AdmissionQueued AdmissionState = "Queued"
)

// LinkState is the association's state on the platform.
// +kubebuilder:validation:Enum=NotLinked;AwaitingOfficialAccountAdmin;AwaitingMiniProgramAdmin;AwaitingStoreAdmin;Linked;Rejected;Refused;TimedOut;Failed;ActionRequired;Confirmed;Unknown
type LinkState string

// Link states. For OfficialAccountToMiniProgram they follow wxamplinkget's status: 12, 2, 1 and 3. For the
// WeChat Store partner links they follow cooperation/list's status: 4 (accepting) is Awaiting the partner's
// admin, 1 Linked, 3 Rejected, 5 TimedOut, 6 Failed, and 2 (unbound) and 7 (cancelled) NotLinked.
const (
	// LinkStateAwaitingStoreAdmin: wxlink generated the invitation QR code of a store partner link, and the
	// platform lists no invitation yet: the store's admin scans the QR code (status.platform.invitationQRCode)
	// in WeChat to send it.
	LinkStateAwaitingStoreAdmin LinkState = "AwaitingStoreAdmin"
	// LinkStateTimedOut: the partner's admin let the store's invitation time out (status 5).
	LinkStateTimedOut LinkState = "TimedOut"
	// LinkStateFailed: the platform reports the partner's acceptance failed (status 6).
	LinkStateFailed LinkState = "Failed"

	LinkStateNotLinked                    LinkState = "NotLinked"
	LinkStateAwaitingOfficialAccountAdmin LinkState = "AwaitingOfficialAccountAdmin"
	LinkStateAwaitingMiniProgramAdmin     LinkState = "AwaitingMiniProgramAdmin"
	LinkStateLinked                       LinkState = "Linked"
	LinkStateRejected                     LinkState = "Rejected"
	// LinkStateRefused: the platform refused wxlink's last request with a terminal errcode (Ready says which).
	// wxlink asks again when the spec changes, and otherwise no more than once per poll interval, since a
	// quota held by accounts outside the cluster can free without anything in the cluster changing.
	LinkStateRefused LinkState = "Refused"
	// LinkStateActionRequired: the association can only be made in a console; the Ready message says where.
	LinkStateActionRequired LinkState = "ActionRequired"
	// LinkStateConfirmed: a person confirmed they made the association in a console (spec.confirmedInConsole);
	// wxlink cannot observe it.
	LinkStateConfirmed LinkState = "Confirmed"
	// LinkStateUnknown: the platform reported a status wxlink does not know (for example the undocumented 4).
	LinkStateUnknown LinkState = "Unknown"
)

// AdmissionStatus is the result of quota admission for the link.
type AdmissionStatus struct {
	// state is Admitted or Queued.
	// +required
	State AdmissionState `json:"state"`
	// queuePosition is the link's 1-based place in its owner's queue while Queued.
	// +optional
	// +kubebuilder:validation:Minimum=0
	QueuePosition int32 `json:"queuePosition,omitempty"`
	// queuedBy names the owner whose quota holds the link while Queued: OfficialAccount (its same-subject,
	// other-subject or monthly quota) or MiniProgram (its 500 linked or monthly quota).
	// +optional
	QueuedBy AccountKind `json:"queuedBy,omitempty"`
	// message says which quota decided, with the numbers.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}

// PlatformLinkStatus is the association as the platform reports it.
type PlatformLinkStatus struct {
	// state of the association on the platform.
	// +required
	State LinkState `json:"state"`
	// rawStatus is the platform's own status code, when it has one (wxamplinkget: 1, 2, 3, 12;
	// cooperation/list: 1 to 7).
	// +optional
	RawStatus *int32 `json:"rawStatus,omitempty"`
	// linkedTime is when wxlink first saw the association linked.
	// +optional
	LinkedTime *metav1.Time `json:"linkedTime,omitempty"`
	// requestedTime is when wxlink last asked the platform for the association.
	// +optional
	RequestedTime *metav1.Time `json:"requestedTime,omitempty"`
	// requestedGeneration is the metadata.generation wxlink last asked the platform for. A rejection of that
	// request is terminal until the spec changes (or the object is re-created).
	// +optional
	RequestedGeneration int64 `json:"requestedGeneration,omitempty"`
	// invitationQRCode is the QR code of a store partner invitation, base64 as the platform gave it
	// (cooperation/invitation/qrcode/generate; a JPEG image): decode it with base64 -d. It is kept while the
	// invitation waits, and dropped once it is answered.
	// +optional
	// +kubebuilder:validation:MaxLength=1048576
	InvitationQRCode string `json:"invitationQRCode,omitempty"`
	// supersededStatus (store partner links) is the answered status of the platform's record (3 refused,
	// 5 timed out, 6 failed) when wxlink invited again over it. While the record still shows it, the new
	// invitation has not been answered (the store's administrator has not sent it from its QR code): wxlink
	// does not invite again, and keeps the QR code. Cleared once the record changes.
	// +optional
	SupersededStatus *int32 `json:"supersededStatus,omitempty"`
}

// AssociationLinkStatus is the observed state of an association.
type AssociationLinkStatus struct {
	StatusBase `json:",inline"`

	// fromAppID and toAppID are the resolved identities of the two ends.
	// +optional
	FromAppID string `json:"fromAppID,omitempty"`
	// +optional
	ToAppID string `json:"toAppID,omitempty"`

	// partnerID is the sharer_id of a WeChat Store partner link (the Official Account's original ID gh_…, or
	// the Mini Program's AppID), kept so that a deletion can unbind it after the account's object is gone.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	PartnerID string `json:"partnerID,omitempty"`
	// partnerSharerType is the sharer_type under which the partner's record was made or found. A change of
	// spec.store.sharerType applies once that record is no longer bound or waiting for acceptance; until then,
	// and for a deletion's cancel or unbind, wxlink uses this one.
	// +optional
	PartnerSharerType *int32 `json:"partnerSharerType,omitempty"`

	// subjectRelation says whether the two ends share a subject.
	// +optional
	SubjectRelation SubjectRelation `json:"subjectRelation,omitempty"`

	// admission is the result of quota admission.
	// +optional
	Admission *AdmissionStatus `json:"admission,omitempty"`

	// platform is the association as the platform reports it.
	// +optional
	Platform *PlatformLinkStatus `json:"platform,omitempty"`

	// monthlyRequests counts the new associations this link made on the platform in a WeChat month (UTC+8),
	// written with the record of the request itself. An owner's use of its monthly allowance is the sum over
	// its links, plus its ledger of links deleted this month: no shared counter is written per link.
	// +optional
	MonthlyRequests *MonthlyCount `json:"monthlyRequests,omitempty"`
}

// AssociationLink is one association between two WeChat accounts, such as an Official Account and a Mini
// Program (公众号关联小程序). wxlink admits it against the owner's quotas, makes it on the platform, and reports
// who must act while it waits.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=link,categories=wechat
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`,priority=1
// +kubebuilder:printcolumn:name="From",type=string,JSONPath=`.spec.from.name`
// +kubebuilder:printcolumn:name="To",type=string,JSONPath=`.spec.to.name`
// +kubebuilder:printcolumn:name="Subject",type=string,JSONPath=`.status.subjectRelation`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.platform.state`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type AssociationLink struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec AssociationLinkSpec `json:"spec"`
	// +optional
	Status AssociationLinkStatus `json:"status,omitempty"`
}

// AssociationLinkList is a list of AssociationLinks.
//
// +kubebuilder:object:root=true
type AssociationLinkList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AssociationLink `json:"items"`
}

func init() {
	register(&AssociationLink{}, &AssociationLinkList{})
}
