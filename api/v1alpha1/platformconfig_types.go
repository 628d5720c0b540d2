// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CredentialsRoute is how wxlink obtains access tokens for the accounts that use a PlatformConfig.
// +kubebuilder:validation:Enum=OwnSecret;ThirdPartyPlatform
type CredentialsRoute string

const (
	// CredentialsRouteOwnSecret uses each account's own AppID and AppSecret through cgi-bin/stable_token.
	CredentialsRouteOwnSecret CredentialsRoute = "OwnSecret"
	// CredentialsRouteThirdPartyPlatform uses a third-party platform (第三方平台): the component token, then an
	// authorizer token per account from its authorizer refresh token. The association (permission set 33) and
	// open/* APIs are documented for this route.
	CredentialsRouteThirdPartyPlatform CredentialsRoute = "ThirdPartyPlatform"
)

// ThirdPartyPlatform configures the third-party platform route. Every secret comes from a Secret.
type ThirdPartyPlatform struct {
	// componentAppID is the third-party platform's AppID.
	// +required
	ComponentAppID AppID `json:"componentAppID"`

	// componentSecretRef selects the third-party platform's AppSecret.
	// +required
	ComponentSecretRef SecretKeySelector `json:"componentSecretRef"`

	// callbackTokenRef selects the message-verification Token configured on the platform, used to check the
	// signature of pushed component_verify_ticket messages.
	// +required
	CallbackTokenRef SecretKeySelector `json:"callbackTokenRef"`

	// encodingAESKeyRef selects the 43-character EncodingAESKey used to decrypt pushed messages.
	// +required
	EncodingAESKeyRef SecretKeySelector `json:"encodingAESKeyRef"`

	// verifyTicketSecretName is the Secret, in the same namespace, where wxlink keeps the latest
	// component_verify_ticket it received, so that a restart does not wait 10 minutes for the next push.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	VerifyTicketSecretName string `json:"verifyTicketSecretName"`
}

// APIBudget is the client-side rate limit for all the calls made through one PlatformConfig, shared by every
// reconciler. Each account's calls are limited too (the manager's --account-qps): the platform's quotas are per
// account.
type APIBudget struct {
	// qps is the sustained number of calls per second.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	QPS int32 `json:"qps,omitempty"`

	// burst is the number of calls that may be made at once above qps.
	// +optional
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Burst int32 `json:"burst,omitempty"`
}

// PlatformConfigSpec configures how wxlink talks to the WeChat platform.
//
// +kubebuilder:validation:XValidation:rule="self.credentialsRoute != 'ThirdPartyPlatform' || has(self.thirdPartyPlatform)",message="credentialsRoute ThirdPartyPlatform needs thirdPartyPlatform: set the component AppID and the Secrets that hold its secret, callback Token and EncodingAESKey"
// +kubebuilder:validation:XValidation:rule="self.credentialsRoute == 'ThirdPartyPlatform' || !has(self.thirdPartyPlatform)",message="thirdPartyPlatform is used only with credentialsRoute ThirdPartyPlatform: remove it or change the route"
// +kubebuilder:validation:XValidation:rule="!has(self.budget) || self.budget.burst >= self.budget.qps",message="budget.burst must be at least budget.qps"
type PlatformConfigSpec struct {
	// endpoint is the base URL of the WeChat API: https://api.weixin.qq.com, or a wechatsim simulator. Plain
	// http is accepted only for a loopback host. When unset, the manager's --platform-endpoint flag applies
	// (default https://api.weixin.qq.com).
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['https', 'http']",message="endpoint must be an absolute http(s) URL, for example https://api.weixin.qq.com"
	// +kubebuilder:validation:XValidation:rule="!isURL(self) || url(self).getScheme() == 'https' || url(self).getHostname() in ['127.0.0.1', 'localhost', '::1']",message="endpoint must use https unless it is a loopback simulator (http://127.0.0.1:PORT): credentials are sent to it"
	Endpoint string `json:"endpoint,omitempty"`

	// credentialsRoute is how access tokens are obtained.
	// +optional
	// +kubebuilder:default=OwnSecret
	CredentialsRoute CredentialsRoute `json:"credentialsRoute,omitempty"`

	// thirdPartyPlatform configures the ThirdPartyPlatform route.
	// +optional
	ThirdPartyPlatform *ThirdPartyPlatform `json:"thirdPartyPlatform,omitempty"`

	// budget is the client-side rate limit of calls to the platform.
	// +optional
	Budget *APIBudget `json:"budget,omitempty"`

	// requestTimeout bounds each call to the platform: at most 30s, so that one slow endpoint cannot hold a
	// reconcile (and the accounts it locks) for long.
	// +optional
	// +kubebuilder:default="10s"
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s') && duration(self) <= duration('30s')",message="requestTimeout must be more than 0s and at most 30s: a slower platform call is treated as failed and retried"
	RequestTimeout *metav1.Duration `json:"requestTimeout,omitempty"`
}

// PlatformConfigStatus is the observed health of the platform connection.
type PlatformConfigStatus struct {
	StatusBase `json:",inline"`

	// lastVerifyTicketTime is when the latest component_verify_ticket was received. A ticket is valid 12 hours
	// and is pushed every 10 minutes.
	// +optional
	LastVerifyTicketTime *metav1.Time `json:"lastVerifyTicketTime,omitempty"`

	// componentTokenExpiryTime is when the current component_access_token expires.
	// +optional
	ComponentTokenExpiryTime *metav1.Time `json:"componentTokenExpiryTime,omitempty"`
}

// PlatformConfig says how wxlink reaches the WeChat platform: the endpoint, the credentials route and the API
// budget. Accounts name it with platformConfigRef.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=wxpc,categories=wechat
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.endpoint`
// +kubebuilder:printcolumn:name="Route",type=string,JSONPath=`.spec.credentialsRoute`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type PlatformConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec PlatformConfigSpec `json:"spec"`
	// +optional
	Status PlatformConfigStatus `json:"status,omitempty"`
}

// PlatformConfigList is a list of PlatformConfigs.
//
// +kubebuilder:object:root=true
type PlatformConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PlatformConfig `json:"items"`
}

func init() {
	register(&PlatformConfig{}, &PlatformConfigList{})
}
