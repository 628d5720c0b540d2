// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"cmp"
	"crypto/sha1" //nolint:gosec // G505: only derives stable, non-secret gh_ usernames and userstr values
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// beijing is UTC+8, the platform's calendar for monthly and daily limits.
var beijing = time.FixedZone("UTC+8", 8*60*60)

// monthOf is the calendar month of t in Beijing time, such as "2026-12".
func monthOf(t time.Time) string { return t.In(beijing).Format("2006-01") }

// dayOf is the calendar day of t in Beijing time.
func dayOf(t time.Time) string { return t.In(beijing).Format("2006-01-02") }

type tokenRec struct {
	Token     string    `json:"token"`
	Kind      string    `json:"kind"`
	AppID     string    `json:"appid"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

type ticketRec struct {
	Ticket   string    `json:"ticket"`
	IssuedAt time.Time `json:"issuedAt"`
}

type forceRec struct {
	Day   string    `json:"day"`
	Count int       `json:"count"`
	Last  time.Time `json:"last"`
}

type coopKey struct {
	store, sharer string
	typ           int
}

// Token kinds.
const (
	kindAccess     = "access_token"
	kindStable     = "stable_token"
	kindComponent  = "component_access_token"
	kindAuthorizer = "authorizer_access_token"
)

// state is everything the simulator persists. It is guarded by Simulator.mu.
type state struct {
	clockOffset time.Duration

	accounts   map[string]*Account
	byUsername map[string]string // gh_ username -> appid

	linksByOA map[string]map[string]*Link // oa -> mp -> link
	linksByMP map[string]map[string]*Link // mp -> oa -> link
	nLinks    int
	monthly   map[string]int // appid|month -> operations
	// prunedMonth is the month whose old counts were last pruned.
	prunedMonth string

	open   map[string]*OpenAccount
	openOf map[string]string // appid -> open_appid

	testers     map[string]map[string]string // mp -> wechatid -> userstr
	testerCount map[string]int               // wechatid -> number of Mini Programs it tests
	unknownIDs  map[string]bool

	merchants     map[string][]MerchantBinding // appid -> bindings
	merchantCount map[string]int               // mchid -> number of AppIDs

	coops map[coopKey]*Cooperation

	tokens       map[string]*tokenRec
	latest       map[string]string // kind|appid -> newest token
	stable       map[string]string // appid -> current stable token
	forceRefresh map[string]*forceRec
	issued       int // tokens issued since the last prune

	tickets  []ticketRec
	lastPush *TicketPush
}

func newState() *state {
	return &state{
		accounts:      map[string]*Account{},
		byUsername:    map[string]string{},
		linksByOA:     map[string]map[string]*Link{},
		linksByMP:     map[string]map[string]*Link{},
		monthly:       map[string]int{},
		open:          map[string]*OpenAccount{},
		openOf:        map[string]string{},
		testers:       map[string]map[string]string{},
		testerCount:   map[string]int{},
		unknownIDs:    map[string]bool{},
		merchants:     map[string][]MerchantBinding{},
		merchantCount: map[string]int{},
		coops:         map[coopKey]*Cooperation{},
		tokens:        map[string]*tokenRec{},
		latest:        map[string]string{},
		stable:        map[string]string{},
		forceRefresh:  map[string]*forceRec{},
	}
}

// usernameFor derives a stable gh_ original ID from an AppID.
func usernameFor(appid string) string {
	h := sha1.Sum([]byte("username:" + appid)) //nolint:gosec // G401: not security relevant
	return "gh_" + hex.EncodeToString(h[:])[:12]
}

// userstrFor derives the opaque tester id the platform hands out.
func userstrFor(mp, wechatid string) string {
	h := sha1.Sum([]byte("userstr:" + mp + ":" + wechatid)) //nolint:gosec // G401: not security relevant
	return hex.EncodeToString(h[:])
}

func (st *state) link(oa, mp string) *Link { return st.linksByOA[oa][mp] }

func (st *state) putLink(l *Link) {
	if st.linksByOA[l.OfficialAccount] == nil {
		st.linksByOA[l.OfficialAccount] = map[string]*Link{}
	}
	if st.linksByMP[l.MiniProgram] == nil {
		st.linksByMP[l.MiniProgram] = map[string]*Link{}
	}
	if _, ok := st.linksByOA[l.OfficialAccount][l.MiniProgram]; !ok {
		st.nLinks++
	}
	st.linksByOA[l.OfficialAccount][l.MiniProgram] = l
	st.linksByMP[l.MiniProgram][l.OfficialAccount] = l
}

func (st *state) dropLink(oa, mp string) bool {
	if _, ok := st.linksByOA[oa][mp]; !ok {
		return false
	}
	delete(st.linksByOA[oa], mp)
	if len(st.linksByOA[oa]) == 0 {
		delete(st.linksByOA, oa)
	}
	delete(st.linksByMP[mp], oa)
	if len(st.linksByMP[mp]) == 0 {
		delete(st.linksByMP, mp)
	}
	st.nLinks--
	return true
}

// occupies reports whether a link status takes a quota slot: pending and linked links do; rejected (3) and
// unknown statuses do not.
func occupies(status int) bool {
	return status == LinkLinked || status == LinkWaitingMP || status == LinkWaitingOA
}

// oaUsage counts the slot-occupying links of an Official Account by subject relation.
func (st *state) oaUsage(oa string) (same, different int) {
	for _, l := range st.linksByOA[oa] {
		if !occupies(l.Status) {
			continue
		}
		if l.SameSubject {
			same++
		} else {
			different++
		}
	}
	return same, different
}

// mpUsage counts the slot-occupying links to a Mini Program.
func (st *state) mpUsage(mp string) int {
	n := 0
	for _, l := range st.linksByMP[mp] {
		if occupies(l.Status) {
			n++
		}
	}
	return n
}

func monthlyKey(appid, month string) string { return appid + "|" + month }

func (st *state) monthCount(appid string, now time.Time) int {
	return st.monthly[monthlyKey(appid, monthOf(now))]
}

func (st *state) countMonth(appid string, now time.Time) {
	month := monthOf(now)
	st.monthly[monthlyKey(appid, month)]++
	// Keep a year of history at most; look once per new month.
	if month != st.prunedMonth {
		st.prunedMonth = month
		cutoff := monthOf(now.AddDate(-1, 0, 0))
		for k := range st.monthly {
			if _, m, _ := strings.Cut(k, "|"); m < cutoff {
				delete(st.monthly, k)
			}
		}
	}
}

// removeAccount deletes an account and everything that names it.
func (st *state) removeAccount(appid string) {
	a, ok := st.accounts[appid]
	if !ok {
		return
	}
	delete(st.byUsername, a.Username)
	delete(st.accounts, appid)
	for mp := range st.linksByOA[appid] {
		st.dropLink(appid, mp)
	}
	for oa := range st.linksByMP[appid] {
		st.dropLink(oa, appid)
	}
	if oid, ok := st.openOf[appid]; ok {
		if o := st.open[oid]; o != nil {
			o.Members = slices.DeleteFunc(o.Members, func(m string) bool { return m == appid })
		}
		delete(st.openOf, appid)
	}
	for id := range st.testers[appid] {
		st.testerCount[id]--
		if st.testerCount[id] <= 0 {
			delete(st.testerCount, id)
		}
	}
	delete(st.testers, appid)
	for _, b := range st.merchants[appid] {
		st.merchantCount[b.MchID]--
		if st.merchantCount[b.MchID] <= 0 {
			delete(st.merchantCount, b.MchID)
		}
	}
	delete(st.merchants, appid)
	for k := range st.coops {
		if k.store == appid {
			delete(st.coops, k)
		}
	}
	for t, r := range st.tokens {
		if r.AppID == appid {
			delete(st.tokens, t)
		}
	}
	delete(st.stable, appid)
	delete(st.forceRefresh, appid)
	for _, k := range []string{kindAccess, kindAuthorizer} {
		delete(st.latest, k+"|"+appid)
	}
}

// persisted is the state file's format (version 1). It holds secrets and tokens: the file is written 0600.
type persisted struct {
	Version          int                  `json:"version"`
	SavedAt          time.Time            `json:"savedAt"`
	ClockOffset      time.Duration        `json:"clockOffsetNanos"`
	Accounts         []Account            `json:"accounts"`
	Links            []Link               `json:"links"`
	Monthly          []MonthlyCount       `json:"monthly"`
	OpenAccounts     []OpenAccount        `json:"openAccounts"`
	Testers          map[string][]Tester  `json:"testers"`
	UnknownWeChatIDs []string             `json:"unknownWeChatIDs"`
	Merchants        []MerchantBinding    `json:"merchants"`
	Cooperations     []Cooperation        `json:"cooperations"`
	Tokens           []tokenRec           `json:"tokens"`
	Latest           map[string]string    `json:"latest"`
	Stable           map[string]string    `json:"stable"`
	ForceRefresh     map[string]*forceRec `json:"forceRefresh"`
	Tickets          []ticketRec          `json:"tickets"`
	LastPush         *TicketPush          `json:"lastPush,omitempty"`
}

const persistVersion = 1

// export copies the state into its persisted form, sorted so that dumps are deterministic.
func (st *state) export() *persisted {
	p := &persisted{
		Version:      persistVersion,
		ClockOffset:  st.clockOffset,
		Testers:      map[string][]Tester{},
		Latest:       maps.Clone(st.latest),
		Stable:       maps.Clone(st.stable),
		ForceRefresh: map[string]*forceRec{},
		Tickets:      slices.Clone(st.tickets),
	}
	for _, a := range st.accounts {
		p.Accounts = append(p.Accounts, cloneAccount(a))
	}
	slices.SortFunc(p.Accounts, func(a, b Account) int { return cmp.Compare(a.AppID, b.AppID) })
	for _, m := range st.linksByOA {
		for _, l := range m {
			p.Links = append(p.Links, *l)
		}
	}
	slices.SortFunc(p.Links, func(a, b Link) int {
		return cmp.Or(cmp.Compare(a.OfficialAccount, b.OfficialAccount), cmp.Compare(a.MiniProgram, b.MiniProgram))
	})
	for k, n := range st.monthly {
		appid, month, _ := strings.Cut(k, "|")
		p.Monthly = append(p.Monthly, MonthlyCount{AppID: appid, Month: month, Count: n})
	}
	slices.SortFunc(p.Monthly, func(a, b MonthlyCount) int {
		return cmp.Or(cmp.Compare(a.AppID, b.AppID), cmp.Compare(a.Month, b.Month))
	})
	for _, o := range st.open {
		c := *o
		c.Members = slices.Sorted(slices.Values(o.Members))
		p.OpenAccounts = append(p.OpenAccounts, c)
	}
	slices.SortFunc(p.OpenAccounts, func(a, b OpenAccount) int { return cmp.Compare(a.OpenAppID, b.OpenAppID) })
	for mp, ts := range st.testers {
		list := make([]Tester, 0, len(ts))
		for id, us := range ts {
			list = append(list, Tester{WeChatID: id, UserStr: us})
		}
		slices.SortFunc(list, func(a, b Tester) int { return cmp.Compare(a.WeChatID, b.WeChatID) })
		p.Testers[mp] = list
	}
	p.UnknownWeChatIDs = slices.Sorted(maps.Keys(st.unknownIDs))
	for _, bs := range st.merchants {
		p.Merchants = append(p.Merchants, bs...)
	}
	slices.SortFunc(p.Merchants, func(a, b MerchantBinding) int {
		return cmp.Or(cmp.Compare(a.AppID, b.AppID), cmp.Compare(a.MchID, b.MchID))
	})
	for _, c := range st.coops {
		p.Cooperations = append(p.Cooperations, *c)
	}
	slices.SortFunc(p.Cooperations, func(a, b Cooperation) int {
		return cmp.Or(cmp.Compare(a.StoreAppID, b.StoreAppID), cmp.Compare(a.SharerID, b.SharerID),
			cmp.Compare(a.SharerType, b.SharerType))
	})
	for _, t := range st.tokens {
		p.Tokens = append(p.Tokens, *t)
	}
	slices.SortFunc(p.Tokens, func(a, b tokenRec) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), cmp.Compare(a.Token, b.Token))
	})
	for k, f := range st.forceRefresh {
		c := *f
		p.ForceRefresh[k] = &c
	}
	if st.lastPush != nil {
		c := *st.lastPush
		p.LastPush = &c
	}
	return p
}

// importState rebuilds a state (and its indexes) from its persisted form.
func importState(p *persisted) (*state, error) {
	if p.Version != persistVersion {
		return nil, fmt.Errorf("state file version %d, want %d", p.Version, persistVersion)
	}
	st := newState()
	st.clockOffset = p.ClockOffset
	for i := range p.Accounts {
		a := cloneAccount(&p.Accounts[i])
		if a.AppID == "" {
			return nil, fmt.Errorf("state file: account without appid")
		}
		st.accounts[a.AppID] = &a
		st.byUsername[a.Username] = a.AppID
	}
	for i := range p.Links {
		l := p.Links[i]
		st.putLink(&l)
	}
	for _, m := range p.Monthly {
		st.monthly[monthlyKey(m.AppID, m.Month)] = m.Count
	}
	for i := range p.OpenAccounts {
		o := p.OpenAccounts[i]
		o.Members = slices.Clone(o.Members)
		st.open[o.OpenAppID] = &o
		for _, m := range o.Members {
			st.openOf[m] = o.OpenAppID
		}
	}
	for mp, ts := range p.Testers {
		st.testers[mp] = map[string]string{}
		for _, t := range ts {
			st.testers[mp][t.WeChatID] = t.UserStr
			st.testerCount[t.WeChatID]++
		}
	}
	for _, id := range p.UnknownWeChatIDs {
		st.unknownIDs[id] = true
	}
	for _, b := range p.Merchants {
		st.merchants[b.AppID] = append(st.merchants[b.AppID], b)
		st.merchantCount[b.MchID]++
	}
	for i := range p.Cooperations {
		c := p.Cooperations[i]
		st.coops[coopKey{c.StoreAppID, c.SharerID, c.SharerType}] = &c
	}
	for i := range p.Tokens {
		t := p.Tokens[i]
		st.tokens[t.Token] = &t
	}
	if p.Latest != nil {
		st.latest = p.Latest
	}
	if p.Stable != nil {
		st.stable = p.Stable
	}
	if p.ForceRefresh != nil {
		st.forceRefresh = p.ForceRefresh
	}
	st.tickets = p.Tickets
	st.lastPush = p.LastPush
	return st, nil
}

func cloneAccount(a *Account) Account {
	c := *a
	if a.AutoConfirm != nil {
		v := *a.AutoConfirm
		c.AutoConfirm = &v
	}
	c.PermissionSets = slices.Clone(a.PermissionSets)
	return c
}
