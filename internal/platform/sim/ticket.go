// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // G505: the WeChat message signature is defined as SHA-1
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// decodeAESKey turns the 43-character EncodingAESKey into the 32-byte AES key: base64(key + "=").
func decodeAESKey(k string) ([]byte, error) {
	if len(k) != 43 {
		return nil, fmt.Errorf("EncodingAESKey must be 43 characters, got %d", len(k))
	}
	key, err := base64.StdEncoding.DecodeString(k + "=")
	if err != nil {
		return nil, fmt.Errorf("EncodingAESKey is not base64: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("EncodingAESKey decodes to %d bytes, want 32", len(key))
	}
	return key, nil
}

// encryptMessage is WeChat's message encryption (消息加解密): AES-256-CBC with the key, IV = key[:16], over
// 16 random bytes + the message length (4 bytes, big-endian) + the message + the appid, padded PKCS#7-style
// to a multiple of 32 bytes; the result is base64.
func encryptMessage(key []byte, appid string, msg []byte) (string, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return "", err
	}
	return encryptWithPrefix(key, appid, msg, random)
}

// encryptWithPrefix is encryptMessage with the 16 leading bytes given, for known-answer tests.
func encryptWithPrefix(key []byte, appid string, msg, random []byte) (string, error) {
	var plain bytes.Buffer
	plain.Write(random)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(msg))) //nolint:gosec // G115: messages are tiny
	plain.Write(n[:])
	plain.Write(msg)
	plain.WriteString(appid)
	pad := 32 - plain.Len()%32
	plain.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, plain.Len())
	// The protocol fixes the IV to the key's first 16 bytes.
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain.Bytes())
	return base64.StdEncoding.EncodeToString(out), nil
}

// sha1Signature is WeChat's signature: SHA-1 (hex) of the parts sorted and concatenated.
func sha1Signature(parts ...string) string {
	p := slices.Clone(parts)
	slices.Sort(p)
	h := sha1.Sum([]byte(strings.Join(p, ""))) //nolint:gosec // G401: the protocol defines SHA-1
	return hex.EncodeToString(h[:])
}

func randomNonce() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	if err != nil {
		return "1000000000"
	}
	return strconv.FormatInt(n.Int64()+1_000_000_000, 10)
}

// issueTicket records a new component_verify_ticket. Callers hold s.mu.
func (s *Simulator) issueTicket(now time.Time) ticketRec {
	t := ticketRec{Ticket: "ticket@@@" + randToken(64), IssuedAt: now}
	keep := s.st.tickets[:0]
	for _, old := range s.st.tickets {
		// Expired tickets are kept a while longer so that they answer 61005 rather than 61006.
		if now.Sub(old.IssuedAt) < 2*s.opts.TicketTTL {
			keep = append(keep, old)
		}
	}
	keep = append(keep, t)
	if over := len(keep) - s.opts.Limits.Tickets; over > 0 {
		keep = keep[over:]
	}
	s.st.tickets = keep
	s.markDirty()
	return t
}

// PushTicket issues a new component_verify_ticket and, when a callback URL is configured, POSTs it there
// encrypted, as WeChat does every 10 minutes. The ticket is valid (for api_component_token) whether or not the
// push succeeds; the returned TicketPush says how the callback answered.
func (s *Simulator) PushTicket(ctx context.Context) (TicketPush, error) {
	comp := s.opts.Component
	if comp == nil {
		return TicketPush{}, errNoComponent
	}
	var t ticketRec
	s.withLock(func() { t = s.issueTicket(s.now()) })
	res := TicketPush{At: t.IssuedAt, Ticket: t.Ticket, ExpiresAt: t.IssuedAt.Add(s.opts.TicketTTL)}
	var err error
	if comp.CallbackURL == "" {
		res.Error = "no callback URL configured"
	} else {
		err = s.deliverTicket(ctx, comp, t, &res)
		if err != nil {
			res.Error = err.Error()
		}
	}
	s.withLock(func() {
		c := res
		s.st.lastPush = &c
		s.markDirty()
	})
	if err == nil {
		s.log.Info("component_verify_ticket issued", "pushed", res.Pushed, "status", res.HTTPStatus)
	} else {
		s.log.Warn("component_verify_ticket push failed", "err", err)
	}
	return res, err
}

// ticketXML is the decrypted push message.
func ticketXML(appid string, createTime int64, ticket string) []byte {
	return fmt.Appendf(nil, "<xml><AppId><![CDATA[%s]]></AppId><CreateTime>%d</CreateTime>"+
		"<InfoType><![CDATA[component_verify_ticket]]></InfoType>"+
		"<ComponentVerifyTicket><![CDATA[%s]]></ComponentVerifyTicket></xml>", appid, createTime, ticket)
}

func (s *Simulator) deliverTicket(ctx context.Context, comp *Component, t ticketRec, res *TicketPush) error {
	enc, err := encryptMessage(s.aesKey, comp.AppID, ticketXML(comp.AppID, t.IssuedAt.Unix(), t.Ticket))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(t.IssuedAt.Unix(), 10)
	nonce := randomNonce()
	u, err := url.Parse(comp.CallbackURL)
	if err != nil {
		return errors.New("the callback URL does not parse")
	}
	q := u.Query()
	q.Set("signature", sha1Signature(comp.Token, ts, nonce))
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", sha1Signature(comp.Token, ts, nonce, enc))
	u.RawQuery = q.Encode()
	// Real pushes carry the AppId; the SDKs' samples read ToUserName. Both are sent.
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><AppId><![CDATA[%s]]></AppId>"+
		"<Encrypt><![CDATA[%s]]></Encrypt></xml>", comp.AppID, comp.AppID, enc)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return errors.New("cannot build the push request")
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := s.opts.PushClient.Do(req)
	if err != nil {
		// The error names the URL with its query (signatures, not secrets); keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("push failed: %w", ue.Err)
		}
		return fmt.Errorf("push failed: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	res.HTTPStatus = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the callback answered HTTP %d", resp.StatusCode)
	}
	if strings.TrimSpace(string(answer)) != "success" {
		return errors.New(`the callback did not answer "success"`)
	}
	res.Pushed = true
	return nil
}

func (s *Simulator) ticketLoop(every time.Duration) {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel()
	}()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		_, _ = s.PushTicket(ctx)
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
	}
}

// Tickets returns the component_verify_tickets the simulator has issued and still remembers, oldest first.
func (s *Simulator) Tickets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.st.tickets))
	for _, t := range s.st.tickets {
		out = append(out, t.Ticket)
	}
	return out
}
