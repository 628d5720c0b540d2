// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Provider paths.
const (
	PathYouzanToken   = "/auth/token"
	PathYouzanShop    = "/api/youzan.shop.get/3.0.0"
	PathWeimobToken   = "/fuwu/b/oauth2/token"
	PathWeimobBosInfo = "/apigw/bos/v2.0/info/get"
	PathWeidianToken  = "/token"
	PathWeidianAPI    = "/api"
)

type handler func(s *Simulator, r *http.Request) (int, any)

// routes are the providers' endpoints: method, the provider whose envelope a fault uses, and the handler.
var routes = map[string]struct {
	method, provider string
	h                handler
}{
	PathYouzanToken:   {http.MethodPost, Youzan, (*Simulator).youzanToken},
	PathYouzanShop:    {http.MethodPost, Youzan, (*Simulator).youzanShop},
	PathWeimobToken:   {http.MethodPost, Weimob, (*Simulator).weimobToken},
	PathWeimobBosInfo: {http.MethodPost, Weimob, (*Simulator).weimobBosInfo},
	PathWeidianToken:  {http.MethodGet, Weidian, (*Simulator).weidianToken},
	PathWeidianAPI:    {http.MethodGet, Weidian, (*Simulator).weidianAPI},
}

// Handler serves the providers' endpoints and the admin API at /sim/.
func (s *Simulator) Handler() http.Handler {
	return s.Wrap(http.NotFoundHandler(), "/sim/", "")
}

// Wrap serves the providers' endpoints and the admin API at adminPrefix (for example /sim/stores/ inside
// wechatsim), and hands every other request to next. A non-empty adminToken is required on the admin API
// as 'Authorization: Bearer <token>'.
func (s *Simulator) Wrap(next http.Handler, adminPrefix, adminToken string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", next)
	for path, rt := range routes {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if r.Method != rt.method {
				writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "method not allowed"})
				return
			}
			s.serve(w, r, path, rt.provider, rt.h)
		})
	}
	mux.HandleFunc(adminPrefix, func(w http.ResponseWriter, r *http.Request) {
		if adminToken != "" && r.Header.Get("Authorization") != "Bearer "+adminToken {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"errcode": 40001, "errmsg": "admin token required"})
			return
		}
		s.admin(w, r, strings.TrimPrefix(r.URL.Path, adminPrefix))
	})
	return mux
}

func (s *Simulator) serve(w http.ResponseWriter, r *http.Request, path, provider string, h handler) {
	s.mu.Lock()
	s.calls[path]++
	f := s.fault(path)
	s.mu.Unlock()
	if f != nil {
		switch {
		case f.Drop:
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					_ = c.Close()
					return
				}
			}
			writeJSON(w, http.StatusBadGateway, map[string]any{})
		case f.HTTPStatus != 0:
			writeJSON(w, f.HTTPStatus, map[string]any{"error": http.StatusText(f.HTTPStatus)})
		default:
			writeJSON(w, http.StatusOK, errorBody(provider, f.Code, "injected fault"))
		}
		return
	}
	status, body := h(s, r)
	writeJSON(w, status, body)
}

// errorBody is a provider's own error envelope for code.
func errorBody(provider string, code int, msg string) map[string]any {
	switch provider {
	case Youzan:
		if code >= 4000 && code < 5000 {
			return map[string]any{"gw_err_resp": map[string]any{"err_code": code, "err_msg": msg, "trace_id": "storesim"}}
		}
		return map[string]any{"success": false, "code": code, "message": msg, "data": nil}
	case Weimob:
		return map[string]any{"code": map[string]any{"errcode": strconv.Itoa(code), "errmsg": msg}, "data": nil}
	}
	return map[string]any{"status": map[string]any{"status_code": code, "status_reason": msg}, "result": nil}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// login finds the shop of a client's credentials: ok, or the reason it fails ("client", "secret", "shop").
// Callers hold s.mu.
func (s *Simulator) login(provider, clientID, secret, shopID string) (*Shop, string) {
	sh, ok := s.shops[shopKey(provider, clientID)]
	switch {
	case !ok:
		return nil, "client"
	case sh.ClientSecret != secret:
		return nil, "secret"
	case provider != Weidian && shopID != sh.ShopID:
		return nil, "shop"
	}
	return sh, ""
}

// --- Youzan ---

func (s *Simulator) youzanToken(r *http.Request) (int, any) {
	var req struct {
		ClientID      string `json:"client_id"`
		ClientSecret  string `json:"client_secret"`
		AuthorizeType string `json:"authorize_type"`
		GrantID       any    `json:"grant_id"`
		Refresh       bool   `json:"refresh"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if json.Unmarshal(b, &req) != nil {
		return http.StatusOK, errorBody(Youzan, 1000, "Content type not supported or body malformed")
	}
	if req.AuthorizeType != "silent" {
		return http.StatusOK, errorBody(Youzan, 1105, "不支持的应用类型")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, why := s.login(Youzan, req.ClientID, req.ClientSecret, anyString(req.GrantID))
	switch why {
	case "client", "shop":
		return http.StatusOK, errorBody(Youzan, 1103, "Client 不存在")
	case "secret":
		return http.StatusOK, errorBody(Youzan, 1000, "应用信息错误")
	}
	v, exp, live := s.liveToken(sh)
	if !live || !sh.ReuseToken || req.Refresh {
		v, exp = s.issue(sh)
	}
	return http.StatusOK, map[string]any{"success": true, "code": 200, "message": "success", "data": map[string]any{
		"access_token": v, "expires": exp.UnixMilli(), "scope": "shop", "authority_id": sh.ShopID}}
}

func (s *Simulator) youzanShop(r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, why := s.tokenState(r.URL.Query().Get("access_token"))
	switch why {
	case "missing":
		return http.StatusOK, errorBody(Youzan, 4201, "非法的请求凭证")
	case "unknown":
		return http.StatusOK, errorBody(Youzan, 4203, "Token 不存在")
	case "expired":
		return http.StatusOK, errorBody(Youzan, 4202, "请求凭证过期")
	}
	id, _ := strconv.ParseInt(sh.ShopID, 10, 64)
	return http.StatusOK, map[string]any{"response": map[string]any{"id": id, "name": sh.ShopName, "type": 0}}
}

func anyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatInt(int64(x), 10)
	}
	return ""
}

// --- Weimob ---

func (s *Simulator) weimobToken(r *http.Request) (int, any) {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credentials" {
		return http.StatusBadRequest, errorBody(Weimob, 80001001000100, "unsupported grant_type")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, why := s.login(Weimob, q.Get("client_id"), q.Get("client_secret"), q.Get("shop_id"))
	if why != "" {
		return http.StatusUnauthorized, errorBody(Weimob, 80001001000119, "client_id or client_secret is invalid")
	}
	v, exp := s.issue(sh)
	return http.StatusOK, map[string]any{"access_token": v, "token_type": "bearer",
		"expires_in": int64(exp.Sub(s.opts.Clock()).Seconds()), "scope": "default", "business_id": sh.ShopID,
		"public_account_id": sh.ShopID, "business_operation_system_id": sh.ShopID}
}

func (s *Simulator) weimobBosInfo(r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, why := s.tokenState(r.URL.Query().Get("accesstoken"))
	if why != "" {
		return http.StatusOK, errorBody(Weimob, 80001001000001, "accesstoken无效 ("+why+")")
	}
	id, _ := strconv.ParseInt(sh.ShopID, 10, 64)
	return http.StatusOK, map[string]any{"code": map[string]any{"errcode": "0", "errmsg": "success"},
		"data": map[string]any{"bosId": id, "bosName": sh.ShopName, "bosLogo": "", "desc": ""}, "globalTicket": "storesim"}
}

// --- Weidian ---

func (s *Simulator) weidianToken(r *http.Request) (int, any) {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		return http.StatusOK, errorBody(Weidian, 10002, "grant_type错误")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, why := s.login(Weidian, q.Get("appkey"), q.Get("secret"), "")
	if why != "" {
		return http.StatusOK, errorBody(Weidian, 10003, "appkey或secret错误")
	}
	v, exp := s.issue(sh)
	return http.StatusOK, map[string]any{"status": map[string]any{"status_code": 0, "status_reason": ""},
		"result": map[string]any{"access_token": v, "expire_in": int64(exp.Sub(s.opts.Clock()).Seconds())}}
}

func (s *Simulator) weidianAPI(r *http.Request) (int, any) {
	var public struct {
		Method      string `json:"method"`
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal([]byte(r.URL.Query().Get("public")), &public) != nil || public.Method != "vdian.shop.cate.get" {
		return http.StatusOK, errorBody(Weidian, 10001, "method不存在")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, why := s.tokenState(public.AccessToken); why != "" {
		return http.StatusOK, errorBody(Weidian, 10013, "access_token无效")
	}
	return http.StatusOK, map[string]any{"status": map[string]any{"status_code": 0, "status_reason": ""},
		"result": []any{map[string]any{"cate_id": 1, "cate_name": "默认分类"}}}
}
