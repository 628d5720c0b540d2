// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"

	"sigs.k8s.io/yaml"
)

// MerchantAppIDLimit is how many AppIDs one WeChat Pay merchant may bind.
const MerchantAppIDLimit = 50

var (
	accountTypes = []AccountType{OfficialAccount, MiniProgram, Store, Channels, WeCom}
	subjectTypes = []SubjectType{Individual, Enterprise, IndividualBusiness, Government, Media, OtherOrganization, Overseas}
	verifs       = []Verification{Unverified, InProgress, Verified, Expired}
	statuses     = []AccountStatus{StatusNormal, StatusDeregistered, StatusBanned, StatusWarned, StatusFrozen}
)

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '|' {
			return false
		}
	}
	return true
}

// normalize fills an account's defaults and checks it on its own.
func normalize(a *Account) error {
	if !validID(a.AppID) {
		return simErr(40013, "account: appid %q is empty, too long or has spaces", a.AppID)
	}
	if !slices.Contains(accountTypes, a.Type) {
		return simErr(40097, "account %s: type %q is not one of %v", a.AppID, a.Type, accountTypes)
	}
	a.Subject.Name = strings.TrimSpace(a.Subject.Name)
	if a.Subject.Name == "" {
		return simErr(40097, "account %s: subject.name is required", a.AppID)
	}
	if a.Subject.Type == "" {
		a.Subject.Type = Enterprise
	}
	if !slices.Contains(subjectTypes, a.Subject.Type) {
		return simErr(40097, "account %s: subject.type %q is not one of %v", a.AppID, a.Subject.Type, subjectTypes)
	}
	if a.Verification == "" {
		a.Verification = Unverified
	}
	if !slices.Contains(verifs, a.Verification) {
		return simErr(40097, "account %s: verification %q is not one of %v", a.AppID, a.Verification, verifs)
	}
	if a.Subject.Type == Individual && a.Verification != Unverified {
		return simErr(40097, "account %s: an Individual subject cannot be verified", a.AppID)
	}
	if a.Status == "" {
		a.Status = StatusNormal
	}
	if !slices.Contains(statuses, a.Status) {
		return simErr(40097, "account %s: status %q is not one of %v", a.AppID, a.Status, statuses)
	}
	switch {
	case a.Type != OfficialAccount:
		a.ServiceType = ""
	case a.ServiceType == "":
		a.ServiceType = defaultServiceType
	case a.ServiceType != defaultServiceType && a.ServiceType != subscriptionService:
		return simErr(40097, "account %s: serviceType must be Service or Subscription", a.AppID)
	}
	if a.Username == "" {
		a.Username = usernameFor(a.AppID)
	}
	if !validID(a.Username) {
		return simErr(40097, "account %s: username %q is not valid", a.AppID, a.Username)
	}
	if a.Nickname == "" {
		a.Nickname = a.AppID
	}
	if a.RealnameStatus < 0 || a.RealnameStatus > 3 {
		return simErr(40097, "account %s: realnameStatus must be 1, 2 or 3", a.AppID)
	}
	return nil
}

// Seed upserts accounts. All are checked before any is stored: an account's type and subject cannot change
// once registered (as on the platform), an Individual subject cannot be verified, and usernames are unique.
// Upserting an account keeps its links, testers, tokens and bindings.
func (s *Simulator) Seed(accounts ...Account) error {
	var err error
	s.withLock(func() { err = s.seedLocked(accounts) })
	return err
}

func (s *Simulator) seedLocked(accounts []Account) error {
	batch := make([]Account, 0, len(accounts))
	names := map[string]string{}
	seen := map[string]bool{}
	added := 0
	for i := range accounts {
		a := cloneAccount(&accounts[i])
		if err := normalize(&a); err != nil {
			return err
		}
		if seen[a.AppID] {
			return simErr(40097, "account %s appears twice", a.AppID)
		}
		seen[a.AppID] = true
		if old, ok := s.st.accounts[a.AppID]; ok {
			if old.Type != a.Type {
				return simErr(40097, "account %s: type cannot change (%s -> %s)", a.AppID, old.Type, a.Type)
			}
			if !old.Subject.Same(a.Subject) || old.Subject.Type != a.Subject.Type {
				return simErr(40097, "account %s: the subject is fixed at registration and cannot change", a.AppID)
			}
		} else {
			added++
		}
		if other, ok := s.st.byUsername[a.Username]; ok && other != a.AppID {
			return simErr(40097, "account %s: username %s belongs to %s", a.AppID, a.Username, other)
		}
		if other, ok := names[a.Username]; ok {
			return simErr(40097, "account %s: username %s belongs to %s", a.AppID, a.Username, other)
		}
		names[a.Username] = a.AppID
		batch = append(batch, a)
	}
	if len(s.st.accounts)+added > s.opts.Limits.Accounts {
		return simErr(-1, "simulator account limit (%d) reached", s.opts.Limits.Accounts)
	}
	for i := range batch {
		a := batch[i]
		if old, ok := s.st.accounts[a.AppID]; ok {
			delete(s.st.byUsername, old.Username)
		}
		s.st.accounts[a.AppID] = &a
		s.st.byUsername[a.Username] = a.AppID
	}
	if len(batch) > 0 {
		s.markDirty()
	}
	return nil
}

// DeleteAccount removes an account and everything that names it (links, testers, tokens, bindings).
func (s *Simulator) DeleteAccount(appid string) error {
	var err error
	s.withLock(func() {
		if _, ok := s.st.accounts[appid]; !ok {
			err = simErr(40013, "unknown appid %q", appid)
			return
		}
		s.st.removeAccount(appid)
		s.markDirty()
	})
	return err
}

// Account returns an account (with its secret).
func (s *Simulator) Account(appid string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.st.accounts[appid]; ok {
		return cloneAccount(a), true
	}
	return Account{}, false
}

// SetVerification changes an account's verification, as the platform's review would.
func (s *Simulator) SetVerification(appid string, v Verification) error {
	var err error
	s.withLock(func() {
		a, ok := s.st.accounts[appid]
		if !ok {
			err = simErr(40013, "unknown appid %q", appid)
			return
		}
		c := cloneAccount(a)
		c.Verification = v
		if err = normalize(&c); err != nil {
			return
		}
		a.Verification = v
		s.markDirty()
	})
	return err
}

// BindMerchant records that a WeChat Pay merchant bound the AppID (the merchant applied and the admin
// confirmed). The AppID must be a verified Official Account or Mini Program; a merchant binds at most 50
// AppIDs; bindings cannot be undone. The Mini Program then shows func_infos id 2 status 1 in wxamplinkget and
// business_info.open_pay 1.
func (s *Simulator) BindMerchant(appid, mchid string) error {
	var err error
	s.withLock(func() { err = s.bindMerchantLocked(appid, mchid) })
	return err
}

func (s *Simulator) bindMerchantLocked(appid, mchid string) error {
	a, ok := s.st.accounts[appid]
	if !ok || (a.Type != MiniProgram && a.Type != OfficialAccount) {
		return simErr(40013, "%q is not a known Official Account or Mini Program", appid)
	}
	if !validID(mchid) {
		return simErr(40097, "mchid %q is not valid", mchid)
	}
	for _, b := range s.st.merchants[appid] {
		if b.MchID == mchid {
			return nil
		}
	}
	if a.Verification != Verified {
		return simErr(-1, "%s is not verified: only a verified account can bind a merchant", appid)
	}
	if s.st.merchantCount[mchid] >= MerchantAppIDLimit {
		return simErr(-1, "merchant %s already binds %d AppIDs", mchid, MerchantAppIDLimit)
	}
	s.st.merchants[appid] = append(s.st.merchants[appid], MerchantBinding{AppID: appid, MchID: mchid, BoundAt: s.now()})
	s.st.merchantCount[mchid]++
	s.markDirty()
	return nil
}

// ApplySeed loads a seed: accounts first, then Open Platform accounts, links (made as in the console, with
// the given status, default 1, and no quota check), merchants, cooperations and unknown WeChat IDs. Records
// that already exist are updated, so a seed can be applied on top of a state file.
func (s *Simulator) ApplySeed(f SeedFile) error {
	var err error
	s.withLock(func() { err = s.applySeedLocked(f) })
	return err
}

func (s *Simulator) applySeedLocked(f SeedFile) error {
	if err := s.seedLocked(f.Accounts); err != nil {
		return err
	}
	for _, o := range f.OpenAccounts {
		if err := s.upsertOpenLocked(o); err != nil {
			return err
		}
	}
	now := s.now()
	for _, l := range f.Links {
		oa, mp, err := s.linkPair(l.OfficialAccount, l.MiniProgram)
		if err != nil {
			return err
		}
		if l.Status == 0 {
			l.Status = LinkLinked
		}
		if l.Origin == "" {
			l.Origin = LinkOriginConsole
		}
		if l.RequestedAt.IsZero() {
			l.RequestedAt = now
		}
		l.UpdatedAt = now
		l.SameSubject = oa.Subject.Same(mp.Subject)
		l.UnlinkPending = false
		if s.st.link(oa.AppID, mp.AppID) == nil && s.st.nLinks >= s.opts.Limits.Links {
			return simErr(-1, "simulator link limit reached")
		}
		c := l
		s.st.putLink(&c)
	}
	for _, b := range f.Merchants {
		if err := s.bindMerchantLocked(b.AppID, b.MchID); err != nil {
			return err
		}
	}
	for _, c := range f.Cooperations {
		store, ok := s.st.accounts[c.StoreAppID]
		if !ok || store.Type != Store {
			return simErr(40013, "cooperation: %q is not a known Store", c.StoreAppID)
		}
		partner := s.sharerAccount(c.SharerID)
		if partner == nil {
			return simErr(803131000, "cooperation: unknown sharer %q", c.SharerID)
		}
		k := coopKey{store: c.StoreAppID, sharer: c.SharerID, typ: c.SharerType}
		if s.st.coops[k] == nil && len(s.st.coops) >= s.opts.Limits.Cooperations {
			return simErr(-1, "simulator cooperation limit reached")
		}
		cc := c
		if cc.Status == 0 {
			cc.Status = CoopBound
		}
		if cc.SharerName == "" {
			cc.SharerName = partner.Nickname
		}
		if cc.UpdateTime == 0 {
			cc.UpdateTime = now.UnixMilli()
		}
		s.st.coops[k] = &cc
	}
	for _, id := range f.UnknownWeChatIDs {
		if len(s.st.unknownIDs) >= s.opts.Limits.UnknownIDs {
			return simErr(-1, "simulator unknown-id limit reached")
		}
		s.st.unknownIDs[id] = true
	}
	s.markDirty()
	return nil
}

// ParseSeed reads a seed document in YAML or JSON: a SeedFile, or a bare list of accounts.
func ParseSeed(data []byte) (SeedFile, error) {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return SeedFile{}, fmt.Errorf("seed: %w", err)
	}
	var f SeedFile
	if t := bytes.TrimSpace(j); len(t) > 0 && t[0] == '[' {
		err = json.Unmarshal(j, &f.Accounts)
	} else {
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.DisallowUnknownFields()
		err = dec.Decode(&f)
	}
	if err != nil {
		return SeedFile{}, fmt.Errorf("seed: %w", err)
	}
	return f, nil
}

// LoadSeedFile applies a seed file (YAML or JSON).
func (s *Simulator) LoadSeedFile(path string) error {
	data, err := os.ReadFile(path) //nolint:gosec // G304: the operator of the simulator names the file
	if err != nil {
		return err
	}
	f, err := ParseSeed(data)
	if err != nil {
		return err
	}
	return s.ApplySeed(f)
}

// Reset forgets everything: accounts, links, tokens, tickets, the clock offset, faults and counters.
func (s *Simulator) Reset() {
	s.withLock(func() {
		s.st = newState()
		s.faults = nil
		s.calls = map[string]*EndpointStats{}
		s.callLog, s.callLogDropped = nil, 0
		s.markDirty()
	})
}

const redacted = "***"

// State returns a snapshot of the whole state, secrets redacted and tokens described, not revealed.
func (s *Simulator) State() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	p := s.st.export()
	for i := range p.Accounts {
		if p.Accounts[i].Secret != "" {
			p.Accounts[i].Secret = redacted
		}
		if p.Accounts[i].AuthorizerRefreshToken != "" {
			p.Accounts[i].AuthorizerRefreshToken = redacted
		}
	}
	snap := Snapshot{
		Now:              now,
		ClockOffset:      s.st.clockOffset.String(),
		Accounts:         nonNil(p.Accounts),
		Links:            nonNil(p.Links),
		Monthly:          nonNil(p.Monthly),
		OpenAccounts:     nonNil(p.OpenAccounts),
		Testers:          p.Testers,
		UnknownWeChatIDs: nonNil(p.UnknownWeChatIDs),
		Merchants:        nonNil(p.Merchants),
		Cooperations:     nonNil(p.Cooperations),
		Tokens:           s.tokenInfos(now),
		Tickets:          len(s.st.tickets),
		Faults:           s.faultsLocked(),
		Calls:            s.callStatsLocked(),
	}
	if p.LastPush != nil {
		lp := *p.LastPush
		lp.Ticket = lp.Ticket[:min(len(lp.Ticket), 12)] + "..."
		snap.LastTicketPush = &lp
	}
	return snap
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
