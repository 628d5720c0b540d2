// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// reply is the outcome of an API handler: an errcode, an errmsg (defaulted from the table below), and the
// fields of a successful answer.
type reply struct {
	code int
	msg  string
	data map[string]any
}

func okReply(data map[string]any) reply { return reply{data: data} }

func fail(code int, hint ...string) reply {
	r := reply{code: code}
	if len(hint) > 0 {
		r.msg = hint[0]
	}
	return r
}

// errmsgs are the platform's own messages for the errcodes the simulator returns.
var errmsgs = map[int]string{
	-1:        "system error",
	40001:     "invalid credential, access_token is invalid or not latest",
	40002:     "invalid grant_type",
	40013:     "invalid appid",
	40014:     "invalid access_token",
	40066:     "invalid url",
	40097:     "invalid args",
	40125:     "invalid appsecret",
	41001:     "access_token missing",
	41002:     "appid missing",
	41004:     "appsecret missing",
	42001:     "access_token expired",
	43001:     "require GET method",
	43002:     "require POST method",
	44002:     "empty post data",
	45009:     "reach max api daily quota limit",
	45011:     "api minute-quota reach limit  mustslower  retry next minute",
	47001:     "data format error",
	48001:     "api unauthorized",
	61003:     "component is not authorized by this account",
	61004:     "access clientip is not registered",
	61005:     "component ticket is expired",
	61006:     "component ticket is invalid",
	61023:     "refresh_token is invalid",
	85001:     "wechatid not exist or can not be searched",
	85002:     "mini program tester number is full",
	85003:     "wechat user has reached tester limit",
	85004:     "wechat user has been tester",
	89000:     "account has bound open",
	89001:     "not same contractor",
	89002:     "open not exists",
	89003:     "open is not created by api",
	89004:     "open account reach bind limit",
	89008:     "overseas account can not link",
	89009:     "wxa reach link limit",
	89010:     "link message has sent",
	89013:     "wxa is banned",
	89015:     "has linked wxa",
	89016:     "reach same realname quota",
	89017:     "reach different realname quota",
	89018:     "unlink message has sent",
	89030:     "operation reach month limit",
	89036:     "open is not verified",
	89407:     "reach different realname limit",
	788191005: "invalid state transition",
	788191008: "store and sharer are not bound",
	803131000: "invalid sharer_id",
}

func errmsgFor(code int) string {
	if m, ok := errmsgs[code]; ok {
		return m
	}
	return "error"
}

// rid mimics the platform's per-call request id, appended to every error message.
func rid() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%08x-%s-%s", time.Now().Unix()&0xffffffff, hex.EncodeToString(b[:4]), hex.EncodeToString(b[4:]))
}

func (r reply) body() map[string]any {
	out := make(map[string]any, len(r.data)+2)
	for k, v := range r.data {
		out[k] = v
	}
	out["errcode"] = r.code
	if r.code == 0 {
		out["errmsg"] = "ok"
	} else {
		msg := errmsgFor(r.code)
		if r.msg != "" {
			msg += " hint: [" + r.msg + "]"
		}
		out["errmsg"] = msg + " rid: " + rid()
	}
	return out
}

// authKind says which token a route needs.
type authKind int

const (
	authNone      authKind = iota
	authAccess             // access_token of an account (own or authorizer token)
	authComponent          // component_access_token
)

// bodyKind says what body a route takes.
type bodyKind int

const (
	bodyNone     bodyKind = iota // ignored
	bodyJSON                     // a JSON object; empty gives 44002
	bodyOptional                 // a JSON object, or empty
)

type route struct {
	get, post bool
	auth      authKind
	body      bodyKind
	// types lists the account types allowed to call the route with an access token (nil: any).
	types []AccountType
	// permission is the third-party permission set the route belongs to (0: none checked).
	permission int
	fn         func(s *Simulator, c *call) reply
}

// call is one API request being served, under the state lock.
type call struct {
	r    *http.Request
	q    url.Values
	body map[string]any
	now  time.Time
	tok  *tokenRec
	acct *Account
	bad  string // first field of the wrong type
}

// str reads a string field; numbers are accepted and formatted. Objects, arrays and booleans mark the call bad.
func (c *call) str(key string) string {
	v, ok := c.body[key]
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	}
	c.markBad(key)
	return ""
}

// flag reads a boolean sent as true/false, 1/0 or "1"/"0" ("true"/"false" too). Absent is false.
func (c *call) flag(key string) bool {
	v, ok := c.body[key]
	if !ok || v == nil {
		return false
	}
	switch x := v.(type) {
	case bool:
		return x
	case json.Number:
		if n, err := x.Float64(); err == nil && (n == 0 || n == 1) {
			return n == 1
		}
	case string:
		switch strings.TrimSpace(strings.ToLower(x)) {
		case "1", "true":
			return true
		case "0", "false", "":
			return false
		}
	}
	c.markBad(key)
	return false
}

// num reads an integer sent as a number or a numeric string; present reports whether the key was there.
func (c *call) num(key string) (n int64, present bool) {
	v, ok := c.body[key]
	if !ok || v == nil {
		return 0, false
	}
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return i, true
		}
	}
	c.markBad(key)
	return 0, true
}

func (c *call) markBad(key string) {
	if c.bad == "" {
		c.bad = key
	}
}

func (c *call) badReply() reply { return fail(47001, "field "+c.bad+" has the wrong type") }

// apiRoutes are the WeChat API paths the simulator serves.
func apiRoutes() map[string]route {
	oa := []AccountType{OfficialAccount}
	mp := []AccountType{MiniProgram}
	oaMP := []AccountType{OfficialAccount, MiniProgram}
	st := []AccountType{Store}
	return map[string]route{
		"/cgi-bin/token":                                      {get: true, post: true, fn: (*Simulator).apiToken},
		"/cgi-bin/stable_token":                               {post: true, body: bodyJSON, fn: (*Simulator).apiStableToken},
		"/cgi-bin/component/api_component_token":              {post: true, body: bodyJSON, fn: (*Simulator).apiComponentToken},
		"/cgi-bin/component/api_authorizer_token":             {post: true, auth: authComponent, body: bodyJSON, fn: (*Simulator).apiAuthorizerToken},
		"/cgi-bin/component/api_get_authorizer_info":          {post: true, auth: authComponent, body: bodyJSON, fn: (*Simulator).apiAuthorizerInfo},
		"/cgi-bin/account/getaccountbasicinfo":                {get: true, post: true, auth: authAccess, body: bodyOptional, fn: (*Simulator).apiBasicInfo},
		"/cgi-bin/wxopen/wxamplinkget":                        {post: true, auth: authAccess, body: bodyJSON, types: oa, permission: 33, fn: (*Simulator).apiLinkGet},
		"/cgi-bin/wxopen/wxamplink":                           {post: true, auth: authAccess, body: bodyJSON, types: oa, permission: 33, fn: (*Simulator).apiLink},
		"/cgi-bin/wxopen/wxampunlink":                         {post: true, auth: authAccess, body: bodyJSON, types: oa, permission: 33, fn: (*Simulator).apiUnlink},
		"/cgi-bin/open/create":                                {post: true, auth: authAccess, body: bodyOptional, types: oaMP, permission: 24, fn: (*Simulator).apiOpenCreate},
		"/cgi-bin/open/bind":                                  {post: true, auth: authAccess, body: bodyJSON, types: oaMP, permission: 24, fn: (*Simulator).apiOpenBind},
		"/cgi-bin/open/unbind":                                {post: true, auth: authAccess, body: bodyJSON, types: oaMP, permission: 24, fn: (*Simulator).apiOpenUnbind},
		"/cgi-bin/open/get":                                   {post: true, auth: authAccess, body: bodyOptional, types: oaMP, permission: 24, fn: (*Simulator).apiOpenGet},
		"/cgi-bin/open/have":                                  {get: true, post: true, auth: authAccess, body: bodyOptional, types: oaMP, permission: 24, fn: (*Simulator).apiOpenHave},
		"/wxa/bind_tester":                                    {post: true, auth: authAccess, body: bodyJSON, types: mp, permission: 18, fn: (*Simulator).apiBindTester},
		"/wxa/unbind_tester":                                  {post: true, auth: authAccess, body: bodyJSON, types: mp, permission: 18, fn: (*Simulator).apiUnbindTester},
		"/wxa/memberauth":                                     {post: true, auth: authAccess, body: bodyJSON, types: mp, permission: 18, fn: (*Simulator).apiMemberAuth},
		"/channels/ec/cooperation/list":                       {post: true, auth: authAccess, body: bodyOptional, types: st, fn: (*Simulator).apiCoopList},
		"/channels/ec/cooperation/invitation/get":             {post: true, auth: authAccess, body: bodyJSON, types: st, fn: (*Simulator).apiCoopGet},
		"/channels/ec/cooperation/invitation/qrcode/generate": {post: true, auth: authAccess, body: bodyJSON, types: st, fn: (*Simulator).apiCoopInvite},
		"/channels/ec/cooperation/invitation/cancel":          {post: true, auth: authAccess, body: bodyJSON, types: st, fn: (*Simulator).apiCoopCancel},
		"/channels/ec/cooperation/unbind":                     {post: true, auth: authAccess, body: bodyJSON, types: st, fn: (*Simulator).apiCoopUnbind},
	}
}

// APIPaths lists the WeChat API paths the simulator serves, for fault injection and fuzzing.
func APIPaths() []string {
	out := make([]string, 0, 32)
	for p := range apiRoutes() {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// statusWriter remembers whether the response was started, for the recover middleware, and stamps the
// answers of the API with the platform's time.
type statusWriter struct {
	http.ResponseWriter
	wrote bool
	// now, when set, gives the Date header, set as the response starts (after any latency fault), as WeChat's
	// servers send it: a caller reads the start of the next day in Beijing (when a daily quota, 45009,
	// resets) from it, so the simulator's clock (POST /sim/clock) moves it too.
	now func() time.Time
}

func (w *statusWriter) WriteHeader(code int) {
	w.start()
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) start() {
	if !w.wrote && w.now != nil {
		w.Header().Set("Date", w.now().UTC().Format(http.TimeFormat))
	}
	w.wrote = true
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Simulator) buildHandler() http.Handler {
	routes := apiRoutes()
	admin := s.adminMux()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value, compared as the stdlib does
					panic(v)
				}
				s.log.Error("handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				if !sw.wrote {
					sw.now = nil // the simulator's clock may be what panicked: Go's own Date then
					writeJSON(sw, http.StatusOK, fail(-1).body())
				}
			}
		}()
		if strings.HasPrefix(r.URL.Path, "/sim/") || r.URL.Path == "/sim" {
			admin.ServeHTTP(sw, r)
			return
		}
		sw.now = s.Now
		rt, ok := routes[r.URL.Path]
		if !ok {
			writeJSON(sw, http.StatusNotFound, fail(40066, "unknown path").body())
			return
		}
		s.serveAPI(sw, r, r.URL.Path, rt)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"errcode":-1,"errmsg":"system error"}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, path string, rt route) {
	start := time.Now()
	f := s.pickFault(path)
	if f != nil && f.Latency > 0 {
		// Buffer the body first: Go's server notices a client that gave up only once the body has been read,
		// and a slow platform must not act on a request whose caller has already timed out.
		// An over-long body is cut at the limit here and then refused as malformed JSON (47001), as without latency.
		body, _ := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBodyBytes))
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(f.Latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			s.recordDelay(path, true)
			return
		case <-t.C:
			s.recordDelay(path, false)
		}
	}
	if f != nil && s.answerFault(w, path, f) {
		return
	}
	rep := s.handleAPI(w, r, rt, f != nil && f.DropAfterApply)
	if f != nil && f.DropAfterApply {
		// Applied, then the connection drops: the caller cannot tell whether the platform acted.
		s.recordAppliedUnanswered(path)
		s.log.Info("api", "path", path, "fault", "dropAfterApply", "errcode", rep.code)
		dropConnection(w)
		return
	}
	s.recordErrcode(path, rep.code)
	s.log.Info("api", "path", path, "errcode", rep.code, "duration", time.Since(start).Round(time.Microsecond))
	writeJSON(w, http.StatusOK, rep.body())
}

// answerFault answers (or drops) a call in place of the API, as the fault says, and reports whether it did.
// dropAfterApply (and latency alone) leave the call to the API.
func (s *Simulator) answerFault(w http.ResponseWriter, path string, f *Fault) bool {
	switch {
	case f.Drop:
		s.recordDrop(path)
		s.log.Info("api", "path", path, "fault", "drop")
		dropConnection(w)
	case f.HTTPStatus >= 500:
		s.recordHTTPError(path)
		s.log.Info("api", "path", path, "fault", "http", "status", f.HTTPStatus)
		writeJSON(w, f.HTTPStatus, fail(-1).body())
	case f.ErrCode != 0:
		s.recordErrcode(path, f.ErrCode)
		s.log.Info("api", "path", path, "fault", "errcode", "errcode", f.ErrCode)
		body := fail(f.ErrCode).body()
		if f.ErrMsg != "" {
			body["errmsg"] = f.ErrMsg + " rid: " + rid()
		}
		writeJSON(w, http.StatusOK, body)
	default:
		return false
	}
	return true
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	if rc := http.NewResponseController(w); rc != nil {
		if conn, _, err := rc.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// readBody reads a bounded request body. tooBig reports a body over the limit.
func (s *Simulator) readBody(w http.ResponseWriter, r *http.Request) (data []byte, tooBig bool, err error) {
	if r.Body == nil {
		return nil, false, nil
	}
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	data, err = io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, true, err
		}
		return nil, false, err
	}
	return data, false, nil
}

// decodeObject parses a JSON object tolerantly (numbers kept as json.Number). Anything else is an error.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the body is not a JSON object")
	}
	return m, nil
}

// handleAPI serves a call that reached the platform's logic; unanswered says a dropAfterApply fault will
// close the connection instead of answering (for the call log).
func (s *Simulator) handleAPI(w http.ResponseWriter, r *http.Request, rt route, unanswered bool) reply {
	switch r.Method {
	case http.MethodGet:
		if !rt.get {
			return fail(43002)
		}
	case http.MethodPost:
		if !rt.post {
			return fail(43001)
		}
	default:
		if rt.post {
			return fail(43002)
		}
		return fail(43001)
	}
	c := &call{r: r, q: r.URL.Query(), body: map[string]any{}}
	if rt.body != bodyNone && r.Method == http.MethodPost {
		data, tooBig, err := s.readBody(w, r)
		switch {
		case tooBig:
			return fail(47001, fmt.Sprintf("request body larger than %d bytes", s.opts.MaxBodyBytes))
		case err != nil:
			return fail(47001, "cannot read the body")
		}
		if len(bytes.TrimSpace(data)) == 0 {
			if rt.body == bodyJSON {
				return fail(44002)
			}
		} else {
			m, err := decodeObject(data)
			if err != nil {
				return fail(47001)
			}
			c.body = m
		}
	}
	var rep reply
	s.withLock(func() {
		c.now = s.now()
		if rt.auth != authNone {
			if fr, bad := s.authenticate(c, rt); bad {
				rep = fr
				return
			}
		}
		rep = rt.fn(s, c)
		s.logLinkCall(r.URL.Path, c, rep.code, unanswered)
	})
	return rep
}

// tokenShape is the alphabet and length of tokens the platform could have issued; anything else is 40014.
var tokenShape = regexp.MustCompile(`^[A-Za-z0-9_\-*.]{1,512}$`)

// authenticate checks the route's token. It returns a failure reply and true when the call must stop.
func (s *Simulator) authenticate(c *call, rt route) (reply, bool) {
	var tok string
	if rt.auth == authComponent {
		tok = c.q.Get("component_access_token")
		if tok == "" {
			tok = c.q.Get("access_token")
		}
	} else {
		tok = c.q.Get("access_token")
	}
	if tok == "" {
		return fail(41001), true
	}
	if !tokenShape.MatchString(tok) {
		return fail(40014), true
	}
	rec, ok := s.st.tokens[tok]
	// A token expired for longer than the retention is forgotten, pruned or not yet.
	if !ok || c.now.Sub(rec.ExpiresAt) > s.opts.ExpiredTokenRetention {
		return fail(40001), true
	}
	if !c.now.Before(rec.ExpiresAt) {
		return fail(42001), true
	}
	if rt.auth == authComponent {
		if rec.Kind != kindComponent {
			return fail(40001, "not a component_access_token"), true
		}
		c.tok = rec
		return reply{}, false
	}
	if rec.Kind == kindComponent {
		return fail(48001, "a component_access_token cannot call this api"), true
	}
	acct, ok := s.st.accounts[rec.AppID]
	if !ok {
		return fail(40001), true
	}
	if rt.types != nil && !containsType(rt.types, acct.Type) {
		return fail(48001), true
	}
	if rec.Kind == kindAuthorizer && rt.permission != 0 && len(acct.PermissionSets) > 0 &&
		!containsInt(acct.PermissionSets, rt.permission) {
		return fail(48001, fmt.Sprintf("permission set %d not granted", rt.permission)), true
	}
	c.tok = rec
	c.acct = acct
	return reply{}, false
}

func containsType(ts []AccountType, t AccountType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func containsInt(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}
