// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Known-answer vectors. None of them was produced by this package.
const (
	// The official sample code's test (WXBizMsgCryptTest): key, appid, random prefix and message, and the
	// ciphertext it expects. The same value was recomputed independently with
	//   openssl enc -aes-256-cbc -K $(base64 -d <<< "${KEY}=" | xxd -p -c64) -iv <first 16 key bytes> -nopad
	// over random || be32(len) || msg || appid, PKCS#7-padded to 32 bytes.
	katKey       = platform.Secret("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	katAppID     = "wxb11529c136998cb6"
	katToken     = platform.Secret("pamtest")
	katTimestamp = "1409304348"
	katNonce     = "xxxxxx"
	katRandom    = "aaaabbbbccccdddd"
	katMessage   = "我是中文abcd123"
	katEncrypted = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
	// printf '%s\n' pamtest 1409304348 xxxxxx "$katEncrypted" | LC_ALL=C sort | tr -d '\n' | sha1sum
	katSignature = "82c962d39941aa48552f90ef55aa323dc620cc10"

	// A component_verify_ticket push, encrypted with openssl (random prefix "0123456789abcdef") and signed
	// with sha1sum as above.
	katTicketXML = `<xml><AppId><![CDATA[wxb11529c136998cb6]]></AppId><CreateTime>1413192605</CreateTime>` +
		`<InfoType><![CDATA[component_verify_ticket]]></InfoType>` +
		`<ComponentVerifyTicket><![CDATA[ticket@@@kat-ticket-value]]></ComponentVerifyTicket></xml>`
	katTicketEncrypted = "Q3stYC6hdFzMh9T8HCvyDA+zgC/nwbLBbDB2y/aFZG5BVZOXl0W5Cky24HGFofOUJL9VHG2aZv1BcKJ+3AFJnWqbYGyp" +
		"qby9QHgKoY3WkKMOd65Kl+zJzUJzt3667UHnhRhR3LxJ5MefBXAO4jIMRPnjdYOfrMQmmX1fd8BNRAm89avNnGWwllTUqx2SSUDe" +
		"+/DWEiS9ACxgWKNOKo3nvhPpN/O1fXX8HLzUYDebLsfUi4oIQsrRB27ChbmG5so8ErUmz/H3cinoql3BEYthJepEqGTo01tBBaFh" +
		"Ny9c0tjaPkKMZwVTIkR0XM+JgT/pEAhDBapLwbKDZ0sl2kX9iVhd8eZVdgkdlcimEWhsU3Sm/OCrOzUABED1dKwunoUj"
	katTicketSignature = "c32a47fd9cab0705beeea8206bf108515fc4871e"
)

func TestKnownAnswerOfficialSample(t *testing.T) {
	got, err := EncryptMessage(katKey, katAppID, []byte(katMessage), []byte(katRandom))
	if err != nil {
		t.Fatal(err)
	}
	if got != katEncrypted {
		t.Fatalf("EncryptMessage = %s\nwant             %s", got, katEncrypted)
	}
	msg, appID, err := DecryptMessage(katKey, katEncrypted)
	if err != nil || string(msg) != katMessage || appID != katAppID {
		t.Fatalf("DecryptMessage = %q, %q, %v", msg, appID, err)
	}
	if sig := Signature(katToken, katTimestamp, katNonce, katEncrypted); sig != katSignature {
		t.Fatalf("Signature = %s, want %s", sig, katSignature)
	}
}

func TestKnownAnswerTicketPush(t *testing.T) {
	got, err := EncryptMessage(katKey, katAppID, []byte(katTicketXML), []byte("0123456789abcdef"))
	if err != nil || got != katTicketEncrypted {
		t.Fatalf("EncryptMessage = %s, %v", got, err)
	}
	h, sink := newTicketHandler(t, katAppID)
	rec := post(h, katTicketSignature, katTicketEncrypted, "")
	if rec.Code != http.StatusOK || rec.Body.String() != "success" {
		t.Fatalf("response %d %q", rec.Code, rec.Body.String())
	}
	if got := sink.all(); len(got) != 1 || got[0].ticket != "ticket@@@kat-ticket-value" ||
		!got[0].at.Equal(time.Unix(1413192605, 0)) {
		t.Fatalf("stored %+v", got)
	}
}

type stored struct {
	ticket string
	at     time.Time
}

type memSink struct {
	mu   sync.Mutex
	got  []stored
	fail error
}

func (s *memSink) store(_ context.Context, ticket platform.Secret, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.got = append(s.got, stored{ticket.Reveal(), at})
	return nil
}

func (s *memSink) all() []stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stored(nil), s.got...)
}

var handlerLogs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func newTicketHandler(t *testing.T, appID string) (http.Handler, *memSink) {
	t.Helper()
	sink := &memSink{}
	logger := funcr.New(func(prefix, args string) {
		handlerLogs.mu.Lock()
		defer handlerLogs.mu.Unlock()
		handlerLogs.buf.WriteString(prefix + args + "\n")
	}, funcr.Options{Verbosity: 10})
	cfg := TicketHandlerConfig{Token: katToken, EncodingAESKey: katKey, ComponentAppID: appID, Sink: sink.store,
		Logger: logger}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return NewTicketHandler(cfg), sink
}

func post(h http.Handler, sig, encrypted, raw string) *httptest.ResponseRecorder {
	body := raw
	if body == "" {
		body = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><Encrypt><![CDATA[" + encrypted + "]]></Encrypt></xml>"
	}
	q := url.Values{"timestamp": {katTimestamp}, "nonce": {katNonce}, "msg_signature": {sig}, "encrypt_type": {"aes"},
		"signature": {"ignored"}}
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/wechat/ticket?"+q.Encode(), strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func ticketXML(appID, infoType, ticket string) string {
	return fmt.Sprintf("<xml><AppId><![CDATA[%s]]></AppId><CreateTime>1700000000</CreateTime>"+
		"<InfoType><![CDATA[%s]]></InfoType><ComponentVerifyTicket><![CDATA[%s]]></ComponentVerifyTicket></xml>",
		appID, infoType, ticket)
}

func encryptSigned(t *testing.T, appID, xmlMsg string) (enc, sig string) {
	t.Helper()
	enc, err := EncryptMessage(katKey, appID, []byte(xmlMsg), []byte("fixed-prefix-16b"))
	if err != nil {
		t.Fatal(err)
	}
	return enc, Signature(katToken, katTimestamp, katNonce, enc)
}

// rawEncrypt encrypts plaintext bytes exactly as given (no framing, no padding): for malformed inputs.
func rawEncrypt(t *testing.T, plain []byte) string {
	t.Helper()
	key, err := aesKey(katKey)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

func TestTicketHandler(t *testing.T) {
	const app = "wxcomponentapp0001"
	h, sink := newTicketHandler(t, app)

	t.Run("good ticket stored", func(t *testing.T) {
		enc, sig := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, "ticket@@@good-one"))
		rec := post(h, sig, enc, "")
		if rec.Code != http.StatusOK || rec.Body.String() != "success" {
			t.Fatalf("response %d %q", rec.Code, rec.Body.String())
		}
		got := sink.all()
		if len(got) != 1 || got[0].ticket != "ticket@@@good-one" || !got[0].at.Equal(time.Unix(1700000000, 0)) {
			t.Fatalf("stored %+v", got)
		}
	})
	t.Run("upper-case signature accepted", func(t *testing.T) {
		enc, sig := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, "ticket@@@upper"))
		if rec := post(h, strings.ToUpper(sig), enc, ""); rec.Code != http.StatusOK {
			t.Fatalf("response %d", rec.Code)
		}
	})
	t.Run("other info types acknowledged, not stored", func(t *testing.T) {
		before := len(sink.all())
		for _, it := range []string{InfoAuthorized, InfoUnauthorized, InfoUpdateAuthorized} {
			enc, sig := encryptSigned(t, app, ticketXML(app, it, ""))
			if rec := post(h, sig, enc, ""); rec.Code != http.StatusOK || rec.Body.String() != "success" {
				t.Fatalf("%s: response %d %q", it, rec.Code, rec.Body.String())
			}
		}
		if len(sink.all()) != before {
			t.Fatal("a non-ticket event was stored")
		}
	})

	cases := []struct {
		name string
		req  func(t *testing.T) (sig, enc, raw string)
		code int
	}{
		{"bad signature", func(t *testing.T) (string, string, string) {
			enc, _ := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, "ticket@@@x"))
			return strings.Repeat("0", 40), enc, ""
		}, http.StatusForbidden},
		{"missing signature", func(t *testing.T) (string, string, string) {
			enc, _ := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, "ticket@@@x"))
			return "", enc, ""
		}, http.StatusForbidden},
		{"signed with another token", func(t *testing.T) (string, string, string) {
			enc, _ := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, "ticket@@@x"))
			return Signature("other-token", katTimestamp, katNonce, enc), enc, ""
		}, http.StatusForbidden},
		{"wrong trailing appid", func(t *testing.T) (string, string, string) {
			enc, sig := encryptSigned(t, "wxsomebodyelse0001", ticketXML(app, InfoComponentVerifyTicket, "ticket@@@x"))
			return sig, enc, ""
		}, http.StatusForbidden},
		{"wrong inner appid", func(t *testing.T) (string, string, string) {
			enc, sig := encryptSigned(t, app, ticketXML("wxsomebodyelse0001", InfoComponentVerifyTicket, "ticket@@@x"))
			return sig, enc, ""
		}, http.StatusForbidden},
		{"tampered ciphertext, original signature", func(t *testing.T) (string, string, string) {
			enc, sig := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, "ticket@@@x"))
			return sig, flipByte(t, enc, 40), ""
		}, http.StatusForbidden},
		{"tampered ciphertext, re-signed", func(t *testing.T) (string, string, string) {
			enc, _ := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, "ticket@@@x"))
			bad := flipByte(t, enc, -1) // last block: breaks the padding
			return Signature(katToken, katTimestamp, katNonce, bad), bad, ""
		}, http.StatusBadRequest},
		{"bad padding", func(t *testing.T) (string, string, string) {
			plain := framed(ticketXML(app, InfoComponentVerifyTicket, "ticket@@@x"), app)
			pad := pkcs7Block - len(plain)%pkcs7Block
			if pad < 2 {
				pad += pkcs7Block
			}
			padding := bytes.Repeat([]byte{byte(pad)}, pad)
			padding[0] = byte(pad - 1) // one wrong byte in the run
			enc := rawEncrypt(t, append(plain, padding...))
			return Signature(katToken, katTimestamp, katNonce, enc), enc, ""
		}, http.StatusBadRequest},
		{"padding longer than a WeChat block", func(t *testing.T) (string, string, string) {
			plain := framed("<xml/>", app)
			pad := pkcs7Block - len(plain)%pkcs7Block + pkcs7Block // valid PKCS#7 for 16-byte AES, not for 32
			enc := rawEncrypt(t, append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...))
			return Signature(katToken, katTimestamp, katNonce, enc), enc, ""
		}, http.StatusBadRequest},
		{"length field past the end", func(t *testing.T) (string, string, string) {
			plain := framed("<xml/>", app)
			binary.BigEndian.PutUint32(plain[16:20], 1<<30)
			pad := pkcs7Block - len(plain)%pkcs7Block
			enc := rawEncrypt(t, append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...))
			return Signature(katToken, katTimestamp, katNonce, enc), enc, ""
		}, http.StatusBadRequest},
		{"not base64", func(t *testing.T) (string, string, string) {
			return Signature(katToken, katTimestamp, katNonce, "%%%"), "%%%", ""
		}, http.StatusBadRequest},
		{"not XML", func(t *testing.T) (string, string, string) { return "x", "", "{json}" }, http.StatusBadRequest},
		{"empty ticket", func(t *testing.T) (string, string, string) {
			enc, sig := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, " "))
			return sig, enc, ""
		}, http.StatusBadRequest},
		{"decrypted body not XML", func(t *testing.T) (string, string, string) {
			enc, sig := encryptSigned(t, app, "not xml <")
			return sig, enc, ""
		}, http.StatusBadRequest},
		{"oversized body", func(t *testing.T) (string, string, string) {
			return "x", "", "<xml><Encrypt>" + strings.Repeat("A", maxTicketBody) + "</Encrypt></xml>"
		}, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sink.all())
			sig, enc, raw := tc.req(t)
			rec := post(h, sig, enc, raw)
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.code, rec.Body.String())
			}
			if len(sink.all()) != before {
				t.Fatal("a refused message was stored")
			}
		})
	}

	t.Run("GET refused", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/?echostr=x", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Fatalf("status %d", rec.Code)
		}
	})
	t.Run("sink failure is 500", func(t *testing.T) {
		sink.mu.Lock()
		sink.fail = errors.New("apiserver down")
		sink.mu.Unlock()
		defer func() { sink.mu.Lock(); sink.fail = nil; sink.mu.Unlock() }()
		enc, sig := encryptSigned(t, app, ticketXML(app, InfoComponentVerifyTicket, "ticket@@@retry-me"))
		if rec := post(h, sig, enc, ""); rec.Code != http.StatusInternalServerError {
			t.Fatalf("status %d", rec.Code)
		}
	})
	t.Run("tickets never logged", func(t *testing.T) {
		handlerLogs.mu.Lock()
		defer handlerLogs.mu.Unlock()
		logs := handlerLogs.buf.String()
		if !strings.Contains(logs, "component_verify_ticket stored") {
			t.Fatalf("expected V(1) log lines, got %q", logs)
		}
		for _, secret := range []string{"ticket@@@", katToken.Reveal(), katKey.Reveal()} {
			if strings.Contains(logs, secret) {
				t.Fatalf("logs contain %q:\n%s", secret, logs)
			}
		}
	})
}

func TestTicketHandlerMisconfigured(t *testing.T) {
	for name, cfg := range map[string]TicketHandlerConfig{
		"short key":  {Token: "t", EncodingAESKey: "abc", ComponentAppID: "wx", Sink: (&memSink{}).store},
		"no sink":    {Token: "t", EncodingAESKey: katKey, ComponentAppID: "wx"},
		"no token":   {EncodingAESKey: katKey, ComponentAppID: "wx", Sink: (&memSink{}).store},
		"no app":     {Token: "t", EncodingAESKey: katKey, Sink: (&memSink{}).store},
		"bad base64": {Token: "t", EncodingAESKey: platform.Secret(strings.Repeat("*", 43)), ComponentAppID: "wx", Sink: (&memSink{}).store},
	} {
		if cfg.Validate() == nil {
			t.Errorf("%s: Validate accepted", name)
		}
		rec := httptest.NewRecorder()
		NewTicketHandler(cfg).ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/", strings.NewReader("<xml/>")))
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", name, rec.Code)
		}
	}
}

// framed is random(16) || be32(len) || msg || appid, unpadded.
func framed(msg, appID string) []byte {
	out := []byte("RRRRRRRRRRRRRRRR")
	out = binary.BigEndian.AppendUint32(out, uint32(len(msg)))
	out = append(out, msg...)
	return append(out, appID...)
}

// flipByte flips one bit of the decoded ciphertext at index i (negative counts from the end).
func flipByte(t *testing.T, enc string, i int) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 0x01
	return base64.StdEncoding.EncodeToString(b)
}

func FuzzDecryptMessage(f *testing.F) {
	f.Add(katEncrypted)
	f.Add(katTicketEncrypted)
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		msg, appID, err := DecryptMessage(katKey, s)
		if err != nil {
			return
		}
		// Whatever decrypts must survive the round trip.
		again, err := EncryptMessage(katKey, appID, msg, nil)
		if err != nil {
			t.Fatal(err)
		}
		msg2, appID2, err := DecryptMessage(katKey, again)
		if err != nil || !bytes.Equal(msg, msg2) || appID != appID2 {
			t.Fatalf("round trip: %q/%q → %q/%q, %v", msg, appID, msg2, appID2, err)
		}
	})
}
