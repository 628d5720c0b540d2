// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// AccountType is the kind of a WeChat account.
type AccountType string

// Account types the simulator knows.
const (
	OfficialAccount AccountType = "OfficialAccount"
	MiniProgram     AccountType = "MiniProgram"
	Store           AccountType = "Store"
	Channels        AccountType = "Channels"
	WeCom           AccountType = "WeCom"
)

// SubjectType is the legal kind of an account's subject (主体).
type SubjectType string

// Subject types.
const (
	Individual         SubjectType = "Individual"
	Enterprise         SubjectType = "Enterprise"
	IndividualBusiness SubjectType = "IndividualBusiness"
	Government         SubjectType = "Government"
	Media              SubjectType = "Media"
	OtherOrganization  SubjectType = "OtherOrganization"
	Overseas           SubjectType = "Overseas"
)

// Verification is the WeChat verification (微信认证) state of an account.
type Verification string

// Verification states.
const (
	Unverified Verification = "Unverified"
	InProgress Verification = "InProgress"
	Verified   Verification = "Verified"
	Expired    Verification = "Expired"
)

// AccountStatus is the platform's standing of an account (account_status in api_get_authorizer_info).
type AccountStatus string

// Account statuses.
const (
	StatusNormal       AccountStatus = "Normal"       // account_status 1
	StatusDeregistered AccountStatus = "Deregistered" // account_status 14
	StatusBanned       AccountStatus = "Banned"       // account_status 16; links to it give 89013
	StatusWarned       AccountStatus = "Warned"       // account_status 18
	StatusFrozen       AccountStatus = "Frozen"       // account_status 19
)

// Link statuses as wxamplinkget reports them.
const (
	LinkLinked    = 1  // linked
	LinkWaitingMP = 2  // waiting for the Mini Program admin
	LinkRejected  = 3  // rejected by the Mini Program admin
	LinkWaitingOA = 12 // waiting for the Official Account admin
)

// Link origins (Link.Origin).
const (
	LinkOriginAPI     = "api"
	LinkOriginConsole = "console"
)

const (
	linkSourceReturned  = "SOURCE_NORMAL" // the only `source` value the real API is known to return
	defaultServiceType  = "Service"
	subscriptionService = "Subscription"
)

// Subject is the legal entity behind an account. Two accounts have the same subject when both carry the same
// ID (a credential such as a unified social credit code), or, when either lacks an ID, the same trimmed Name.
type Subject struct {
	Name string      `json:"name"`
	Type SubjectType `json:"type,omitempty"`
	ID   string      `json:"id,omitempty"`
}

// Same reports whether s and o are the same subject.
func (s Subject) Same(o Subject) bool {
	if s.ID != "" && o.ID != "" {
		return s.ID == o.ID
	}
	return strings.TrimSpace(s.Name) == strings.TrimSpace(o.Name)
}

// Account is one WeChat account the simulator serves. It is what seeds and the admin API upsert.
type Account struct {
	AppID  string      `json:"appid"`
	Secret string      `json:"secret,omitempty"`
	Type   AccountType `json:"type"`
	// ServiceType applies to Official Accounts: "Service" (default, account_type 2) or "Subscription" (1).
	ServiceType  string       `json:"serviceType,omitempty"`
	Subject      Subject      `json:"subject"`
	Verification Verification `json:"verification,omitempty"`
	// Username is the gh_ original ID; generated from the AppID when empty.
	Username   string `json:"username,omitempty"`
	Nickname   string `json:"nickname,omitempty"`
	HeadImgURL string `json:"headImgURL,omitempty"`
	Email      string `json:"email,omitempty"`
	Released   bool   `json:"released,omitempty"`
	// AutoConfirm, when set, overrides the default of "links between same-subject accounts confirm at once,
	// others wait for the admins". When either side of a link sets it, false wins over true.
	AutoConfirm *bool         `json:"autoConfirm,omitempty"`
	Status      AccountStatus `json:"status,omitempty"`
	// RealnameStatus is realname_status of getaccountbasicinfo: 1 ok (default), 2 in progress, 3 failed.
	RealnameStatus int `json:"realnameStatus,omitempty"`
	// AuthorizerRefreshToken, when set, means the account has authorised the third-party platform.
	AuthorizerRefreshToken string `json:"authorizerRefreshToken,omitempty"`
	// PermissionSets are the permission set ids granted to the third-party platform (func_info). Empty means
	// every set. Calls made with an authorizer token to an API of a set not granted get 48001.
	PermissionSets []int `json:"permissionSets,omitempty"`
}

// Link is one Official Account -> Mini Program association.
type Link struct {
	OfficialAccount string `json:"officialAccount"`
	MiniProgram     string `json:"miniProgram"`
	Status          int    `json:"status"`
	// Origin is "api" (wxamplink) or "console" (made by hand through the admin API).
	Origin        string    `json:"origin"`
	SameSubject   bool      `json:"sameSubject"`
	NotifyUsers   bool      `json:"notifyUsers,omitempty"`
	ShowProfile   bool      `json:"showProfile,omitempty"`
	UnlinkPending bool      `json:"unlinkPending,omitempty"`
	RequestedAt   time.Time `json:"requestedAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// OpenAccount is an Open Platform (开放平台) account used for UnionID.
type OpenAccount struct {
	OpenAppID    string   `json:"openAppID"`
	Subject      Subject  `json:"subject"`
	Verified     bool     `json:"verified,omitempty"`
	CreatedByAPI bool     `json:"createdByAPI,omitempty"`
	Members      []string `json:"members,omitempty"`
}

// MerchantBinding is a WeChat Pay merchant bound to an AppID. Bindings cannot be undone (as on the platform).
type MerchantBinding struct {
	AppID   string    `json:"appid"`
	MchID   string    `json:"mchid"`
	BoundAt time.Time `json:"boundAt"`
}

// Cooperation is a WeChat Store partner account (合作账号) record.
type Cooperation struct {
	StoreAppID string `json:"storeAppID"`
	SharerID   string `json:"sharerID"`
	SharerType int    `json:"sharerType"`
	SharerName string `json:"sharerName,omitempty"`
	// Status: 1 bound, 2 unbound, 3 refused, 4 accepting, 5 timed out, 6 failed, 7 cancelled by the store.
	Status     int   `json:"status"`
	BindTime   int64 `json:"bindTime,omitempty"`
	UnbindTime int64 `json:"unbindTime,omitempty"`
	RejectTime int64 `json:"rejectTime,omitempty"`
	CancelTime int64 `json:"cancelTime,omitempty"`
	UpdateTime int64 `json:"updateTime,omitempty"`
}

// Tester is a Mini Program tester (体验者).
type Tester struct {
	WeChatID string `json:"wechatid"`
	UserStr  string `json:"userstr"`
}

// Fault makes the simulator misbehave on an API path.
type Fault struct {
	ID string `json:"id,omitempty"`
	// Path is an exact API path such as /cgi-bin/wxopen/wxamplink, or "*" for every API path.
	Path string `json:"path"`
	// ErrCode, when non-zero, is returned as {"errcode": ErrCode, "errmsg": ErrMsg} with HTTP 200.
	ErrCode int    `json:"errcode,omitempty"`
	ErrMsg  string `json:"errmsg,omitempty"`
	// Latency delays the response (then the fault's other effect, or normal handling, follows).
	Latency time.Duration `json:"-"`
	// Drop closes the connection without a response, and without handling the request.
	Drop bool `json:"drop,omitempty"`
	// DropAfterApply handles the request normally (state changes, counters move) and then closes the
	// connection without sending the response: an ambiguous failure, as when a connection drops after the
	// platform applied the request. EndpointStats.AppliedUnanswered counts these calls. It combines with
	// Latency, not with ErrCode, Drop or HTTPStatus.
	DropAfterApply bool `json:"dropAfterApply,omitempty"`
	// HTTPStatus, when 500-599, answers with that status and a JSON body with errcode -1.
	HTTPStatus int `json:"httpStatus,omitempty"`
	// Probability that the fault fires on a matching call, 0 < p <= 1; 0 means 1.
	Probability float64 `json:"probability,omitempty"`
	// Rate, 0 < r <= 1, instead of Probability: the fault fires on exactly that share of the calls to each
	// path it matches, counted per path and without chance: on a path's first call, and then whenever the
	// path's share falls behind (r = 0.2: calls 1, 6, 11, ...). Every path called while the fault is active
	// meets it, so a test can require that it fired on each. The share is of all the path's calls while the
	// fault is active: a call an earlier fault in the list fired on counts too, and the fault catches up on
	// the next call that reaches it.
	Rate float64 `json:"rate,omitempty"`
	// Count is how many times the fault fires before it is removed; 0 means unlimited.
	Count int `json:"count,omitempty"`
	// Remaining is reported by Faults(): firings left (0 with Count 0 means unlimited).
	Remaining int `json:"remaining,omitempty"`
	// Fired is reported by Faults(): how many calls the fault has fired on so far.
	Fired int `json:"fired,omitempty"`
	// FiredByPath is reported by Faults(): Fired by API path.
	FiredByPath map[string]int `json:"firedByPath,omitempty"`
	// seen counts, for Rate, the calls of each path the fault matches while active.
	seen map[string]int
}

type faultJSON struct {
	ID          string          `json:"id,omitempty"`
	Path        string          `json:"path"`
	ErrCode     int             `json:"errcode,omitempty"`
	ErrMsg      string          `json:"errmsg,omitempty"`
	Latency     json.RawMessage `json:"latency,omitempty"`
	Drop        bool            `json:"drop,omitempty"`
	DropAfter   bool            `json:"dropAfterApply,omitempty"`
	HTTPStatus  int             `json:"httpStatus,omitempty"`
	Probability float64         `json:"probability,omitempty"`
	Rate        float64         `json:"rate,omitempty"`
	Count       int             `json:"count,omitempty"`
	Remaining   int             `json:"remaining,omitempty"`
	Fired       int             `json:"fired,omitempty"`
	FiredByPath map[string]int  `json:"firedByPath,omitempty"`
}

// MarshalJSON writes Latency as a Go duration string ("250ms").
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{ID: f.ID, Path: f.Path, ErrCode: f.ErrCode, ErrMsg: f.ErrMsg, Drop: f.Drop,
		DropAfter: f.DropAfterApply, HTTPStatus: f.HTTPStatus, Probability: f.Probability, Rate: f.Rate, Count: f.Count, Remaining: f.Remaining, Fired: f.Fired,
		FiredByPath: f.FiredByPath}
	if f.Latency != 0 {
		j.Latency, _ = json.Marshal(f.Latency.String())
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads Latency as a Go duration string ("250ms") or a number of milliseconds.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault{ID: j.ID, Path: j.Path, ErrCode: j.ErrCode, ErrMsg: j.ErrMsg, Drop: j.Drop,
		DropAfterApply: j.DropAfter, HTTPStatus: j.HTTPStatus, Probability: j.Probability, Rate: j.Rate, Count: j.Count, Remaining: j.Remaining, Fired: j.Fired,
		FiredByPath: j.FiredByPath}
	if len(j.Latency) > 0 && string(j.Latency) != "null" {
		d, err := parseDurationJSON(j.Latency)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		f.Latency = d
	}
	return nil
}

// parseDurationJSON accepts "1h30m" style strings and plain numbers of milliseconds.
func parseDurationJSON(raw json.RawMessage) (time.Duration, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return time.ParseDuration(s)
	}
	var ms float64
	if err := json.Unmarshal(raw, &ms); err != nil {
		return 0, fmt.Errorf("want a duration string such as \"250ms\" or a number of milliseconds")
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

// EndpointStats counts the calls of one API path.
type EndpointStats struct {
	Total int `json:"total"`
	// ByErrcode counts answered calls by errcode (0 for success).
	ByErrcode map[int]int `json:"byErrcode"`
	// Dropped counts connections closed by a drop fault; HTTPErrors counts 5xx answers from faults.
	Dropped    int `json:"dropped,omitempty"`
	HTTPErrors int `json:"httpErrors,omitempty"`
	// AppliedUnanswered counts calls a dropAfterApply fault let the simulator handle in full (state changed,
	// counters moved) before it closed the connection without an answer. They are not in ByErrcode, which
	// counts answered calls.
	AppliedUnanswered int `json:"appliedUnanswered,omitempty"`
	// Delayed counts calls a latency fault held; Abandoned those whose caller gave up meanwhile (never handled).
	Delayed   int `json:"delayed,omitempty"`
	Abandoned int `json:"abandoned,omitempty"`
}

// MonthlyCount is the number of link operations an account made in one calendar month (Beijing time).
type MonthlyCount struct {
	AppID string `json:"appid"`
	Month string `json:"month"` // "2026-12"
	Count int    `json:"count"`
}

// TokenInfo describes an issued token without revealing it.
type TokenInfo struct {
	// Prefix is the first 6 characters of the token, enough to tell tokens apart in a dump.
	Prefix    string    `json:"prefix"`
	Kind      string    `json:"kind"` // access_token, stable_token, component_access_token, authorizer_access_token
	AppID     string    `json:"appid"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Expired   bool      `json:"expired"`
}

// TicketPush reports one component_verify_ticket push.
type TicketPush struct {
	At        time.Time `json:"at"`
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expiresAt"`
	// Pushed is true when the callback answered HTTP 200 with the body "success".
	Pushed     bool   `json:"pushed"`
	HTTPStatus int    `json:"httpStatus,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Snapshot is the whole simulator state, as the admin API dumps it. Secrets are redacted ("***" when set);
// tokens are described by TokenInfo, never revealed.
type Snapshot struct {
	Now              time.Time                `json:"now"`
	ClockOffset      string                   `json:"clockOffset"`
	Accounts         []Account                `json:"accounts"`
	Links            []Link                   `json:"links"`
	Monthly          []MonthlyCount           `json:"monthly"`
	OpenAccounts     []OpenAccount            `json:"openAccounts"`
	Testers          map[string][]Tester      `json:"testers"`
	UnknownWeChatIDs []string                 `json:"unknownWeChatIDs"`
	Merchants        []MerchantBinding        `json:"merchants"`
	Cooperations     []Cooperation            `json:"cooperations"`
	Tokens           []TokenInfo              `json:"tokens"`
	Tickets          int                      `json:"tickets"`
	LastTicketPush   *TicketPush              `json:"lastTicketPush,omitempty"`
	Faults           []Fault                  `json:"faults"`
	Calls            map[string]EndpointStats `json:"calls"`
}

// SeedFile is the format of the --seed YAML (or JSON) file. A bare list of accounts is accepted too.
type SeedFile struct {
	Accounts         []Account         `json:"accounts"`
	OpenAccounts     []OpenAccount     `json:"openAccounts,omitempty"`
	Links            []Link            `json:"links,omitempty"`
	Merchants        []MerchantBinding `json:"merchants,omitempty"`
	Cooperations     []Cooperation     `json:"cooperations,omitempty"`
	UnknownWeChatIDs []string          `json:"unknownWeChatIDs,omitempty"`
}
