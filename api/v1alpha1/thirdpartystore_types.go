// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StoreProvider is a third-party store platform.
// +kubebuilder:validation:Enum=Youzan;Weimob;Weidian
type StoreProvider string

// Store providers.
const (
	// StoreProviderYouzan is 有赞云 (open.youzanyun.com); the shop is its kdt_id.
	StoreProviderYouzan StoreProvider = "Youzan"
	// StoreProviderWeimob is 微盟云 (dopen.weimob.com); the shop is its shop_id (bosId).
	StoreProviderWeimob StoreProvider = "Weimob"
	// StoreProviderWeidian is 微店 (api.vdian.com); a self-use app's token is per app, so no shop ID is sent.
	StoreProviderWeidian StoreProvider = "Weidian"
)

// StoreBindingKind is the kind of WeChat account a third-party store serves.
// +kubebuilder:validation:Enum=MiniProgram;OfficialAccount;ChannelsAccount
type StoreBindingKind string

// Store binding kinds.
const (
	StoreBindingMiniProgram     StoreBindingKind = "MiniProgram"
	StoreBindingOfficialAccount StoreBindingKind = "OfficialAccount"
	StoreBindingChannelsAccount StoreBindingKind = "ChannelsAccount"
)

// StoreBinding names a wxlink account, in the same namespace, that the store serves.
type StoreBinding struct {
	// kind of the account.
	// +required
	Kind StoreBindingKind `json:"kind"`
	// name of the account object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// confirmedInConsole records that a person checked in a console what no API shows: for a Mini Program,
	// that the store's domain is among its web-view business domains (业务域名); for a Channels account, that
	// it is enterprise-verified with the product showcase (商品橱窗) open. Not for Official Accounts, whose
	// type and verification wxlink observes.
	// +optional
	ConfirmedInConsole *ConsoleConfirmation `json:"confirmedInConsole,omitempty"`
}

// StoreAppCredentials names the store app's client ID and secret in a Secret that opted in to wxlink.
type StoreAppCredentials struct {
	// secretName is the Secret, in the same namespace, labelled wechat.wxlink.dev/credentials=true.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName"`
	// clientIDKey is the key of the client ID (Youzan client_id, Weimob client_id, Weidian appkey).
	// +optional
	// +kubebuilder:default=clientID
	// +kubebuilder:validation:MaxLength=253
	ClientIDKey string `json:"clientIDKey,omitempty"`
	// clientSecretKey is the key of the client secret (Weidian: secret).
	// +optional
	// +kubebuilder:default=clientSecret
	// +kubebuilder:validation:MaxLength=253
	ClientSecretKey string `json:"clientSecretKey,omitempty"`
}

// ExpiryUnit says how the store's token expiry field is read.
// +kubebuilder:validation:Enum=Auto;EpochMilliseconds;EpochSeconds;SecondsToLive
type ExpiryUnit string

// Expiry units.
const (
	// ExpiryUnitAuto reads the provider's field defensively: Youzan's expires as an epoch (milliseconds, or
	// seconds below 1e11), or seconds to live below 1e9; Weimob's expires_in and Weidian's expire_in as seconds
	// to live. With any unit, an expiry at or before now or more than a year away is refused as malformed.
	ExpiryUnitAuto ExpiryUnit = "Auto"
	// ExpiryUnitEpochMilliseconds: an absolute epoch in milliseconds.
	ExpiryUnitEpochMilliseconds ExpiryUnit = "EpochMilliseconds"
	// ExpiryUnitEpochSeconds: an absolute epoch in seconds.
	ExpiryUnitEpochSeconds ExpiryUnit = "EpochSeconds"
	// ExpiryUnitSecondsToLive: seconds from now.
	ExpiryUnitSecondsToLive ExpiryUnit = "SecondsToLive"
)

// StoreAPI overrides the store platform's API facts that are unverified against the live platform
// (docs/stores.md says which): its endpoint, paths and expiry unit. Empty fields take the provider's defaults.
type StoreAPI struct {
	// endpoint is the platform's base URL, for example a store simulator on http://127.0.0.1:8090. It must be
	// among the manager's allowed endpoints (--allowed-store-endpoints), since the app's secret is sent there.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://') || self.startsWith('http://')",message="endpoint must be an http:// or https:// URL"
	Endpoint string `json:"endpoint,omitempty"`
	// tokenPath is the token call's path (Youzan /auth/token, Weimob /fuwu/b/oauth2/token, Weidian /token).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^/[-._~/a-zA-Z0-9]*$`
	TokenPath string `json:"tokenPath,omitempty"`
	// healthPath is the cheap authenticated call's path (Youzan /api/youzan.shop.get/3.0.0, Weimob
	// /apigw/bos/v2.0/info/get, Weidian /api with method vdian.shop.cate.get).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^/[-._~/a-zA-Z0-9]*$`
	HealthPath string `json:"healthPath,omitempty"`
	// expiryUnit says how the token's expiry is read (default Auto).
	// +optional
	ExpiryUnit ExpiryUnit `json:"expiryUnit,omitempty"`
	// refreshOnRenewal (Youzan) sends refresh=true when wxlink renews the token, asking for a new one: the
	// Youzan docs say refresh=false with a valid token answers that same token (unverified; the SDKs' READMEs
	// say refresh only adds a refresh_token). Default true. With false, wxlink sends refresh=true only when a
	// renewal answers the same token.
	// +optional
	RefreshOnRenewal *bool `json:"refreshOnRenewal,omitempty"`
}

// ThirdPartyStoreSpec declares a shop on a third-party store platform and the WeChat accounts it serves.
//
// +kubebuilder:validation:XValidation:rule="!has(self.tokenPublication) || self.tokenPublication.secretName != self.credentials.secretName",message="tokenPublication.secretName must differ from credentials.secretName: publishing the token would overwrite the app's client ID and secret"
// +kubebuilder:validation:XValidation:rule="self.provider == 'Weidian' || (has(self.shopID) && size(self.shopID) > 0)",message="shopID is required for Youzan (kdt_id) and Weimob (shop_id)"
// +kubebuilder:validation:XValidation:rule="!has(self.bindings) || self.bindings.all(b, b.kind != 'OfficialAccount' || !has(b.confirmedInConsole))",message="confirmedInConsole applies to MiniProgram and ChannelsAccount bindings only: wxlink observes an Official Account's type and verification"
type ThirdPartyStoreSpec struct {
	// provider is the store platform. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="provider is immutable: create a new object for another platform"
	Provider StoreProvider `json:"provider"`
	// shopID is the shop as the platform names it: Youzan's kdt_id (sent as grant_id), Weimob's shop_id.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z_-]*$`
	ShopID string `json:"shopID,omitempty"`
	// shopType is Weimob's optional shop_type.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	ShopType string `json:"shopType,omitempty"`
	// credentials are the store app's client ID and secret.
	// +required
	Credentials StoreAppCredentials `json:"credentials"`
	// bindings are the wxlink accounts the shop serves; wxlink checks each one's WeChat-side prerequisites.
	// +optional
	// +listType=map
	// +listMapKey=kind
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Bindings []StoreBinding `json:"bindings,omitempty"`
	// tokenPublication publishes the store's current access token into a Secret for the company's workloads,
	// with keys accessToken, expiresAt and refreshAt, as for an OfficialAccount.
	// +optional
	TokenPublication *TokenPublication `json:"tokenPublication,omitempty"`
	// api overrides the platform's unverified API facts (endpoint, paths, expiry unit).
	// +optional
	API *StoreAPI `json:"api,omitempty"`
	// failureThreshold is how many token renewals or health checks in a row must fail before the store is
	// reported not Ready (with an Event and the metric wxlink_store_consecutive_failures).
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	FailureThreshold int32 `json:"failureThreshold,omitempty"`
}

// StoreTokenStatus is the schedule of the store's access token (never the token).
type StoreTokenStatus struct {
	// obtainedTime is when wxlink obtained the current token.
	// +optional
	ObtainedTime *metav1.Time `json:"obtainedTime,omitempty"`
	// expiresAt is when the platform stops accepting it.
	// +optional
	ExpiresAt *metav1.Time `json:"expiresAt,omitempty"`
	// refreshAt is when wxlink renews it, ahead of expiresAt (at 80% of its lifetime).
	// +optional
	RefreshAt *metav1.Time `json:"refreshAt,omitempty"`
}

// ThirdPartyStoreStatus is what wxlink observed about the shop.
type ThirdPartyStoreStatus struct {
	StatusBase `json:",inline"`
	// shopName is the shop's name, as the health check returned it.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	ShopName string `json:"shopName,omitempty"`
	// token is the schedule of the store's access token.
	// +optional
	Token *StoreTokenStatus `json:"token,omitempty"`
	// lastHealthyTime is when the platform last answered the health check.
	// +optional
	LastHealthyTime *metav1.Time `json:"lastHealthyTime,omitempty"`
	// lastCheckTime is when wxlink last called the store's API (a renewal or the health check). A reconcile
	// that a watch triggers before the next check is due does not call it again.
	// +optional
	LastCheckTime *metav1.Time `json:"lastCheckTime,omitempty"`
	// lastCountedFailureTime is when consecutiveFailures last grew. It grows at most once per poll interval:
	// the retries in between (with backoff, for a quick recovery) do not count, so a streak that reaches
	// failureThreshold spans that many polls.
	// +optional
	LastCountedFailureTime *metav1.Time `json:"lastCountedFailureTime,omitempty"`
	// consecutiveFailures counts the polls whose token renewal or health check failed, in a row; 0 after a
	// success.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`
	// lastError is the platform's answer to the last failed call.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	LastError string `json:"lastError,omitempty"`
}

// ThirdPartyStore is a shop on a third-party store platform (有赞 Youzan, 微盟 Weimob, 微店 Weidian) that
// sells through the company's WeChat accounts. wxlink keeps the shop's API token fresh and publishes it,
// checks the shop's API, and checks each bound account's WeChat-side prerequisites.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=tps,categories=wechat
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="Shop",type=string,JSONPath=`.spec.shopID`
// +kubebuilder:printcolumn:name="Expires",type=string,JSONPath=`.status.token.expiresAt`,priority=1
// +kubebuilder:printcolumn:name="Failures",type=integer,JSONPath=`.status.consecutiveFailures`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type ThirdPartyStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec ThirdPartyStoreSpec `json:"spec"`
	// +optional
	Status ThirdPartyStoreStatus `json:"status,omitempty"`
}

// ThirdPartyStoreList is a list of ThirdPartyStores.
//
// +kubebuilder:object:root=true
type ThirdPartyStoreList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ThirdPartyStore `json:"items"`
}

func init() {
	register(&ThirdPartyStore{}, &ThirdPartyStoreList{})
}
