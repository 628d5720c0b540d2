// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // WeChat defines msg_signature as SHA-1; the protocol is not ours to choose
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// WeChat's message encryption (消息加解密, 安全模式), as the Open Platform's technical plan describes it:
//
//	AESKey     = Base64_Decode(EncodingAESKey + "=")            (43 characters → 32 bytes)
//	plaintext  = random(16 B) || len(msg) (4 B, big-endian) || msg || appid
//	ciphertext = AES-256-CBC(key = AESKey, IV = AESKey[:16], PKCS#7 padded to a multiple of 32 bytes)
//	Encrypt    = Base64(ciphertext)
//	msg_signature = hex(SHA1(concat(sort([token, timestamp, nonce, Encrypt]))))

const (
	// pkcs7Block is the padding block of WeChat's scheme (32, not AES's 16).
	pkcs7Block = 32
	// maxTicketBody bounds a callback body.
	maxTicketBody = 64 << 10
)

var (
	errBadKey     = errors.New("EncodingAESKey must be 43 base64 characters decoding to 32 bytes")
	errCiphertext = errors.New("ciphertext is not valid base64 or not a whole number of AES blocks")
	errPadding    = errors.New("invalid PKCS#7 padding")
	errPlaintext  = errors.New("decrypted message is malformed")
)

func aesKey(encodingAESKey platform.Secret) ([]byte, error) {
	k := encodingAESKey.Reveal()
	if len(k) != 43 {
		return nil, errBadKey
	}
	key, err := base64.StdEncoding.DecodeString(k + "=")
	if err != nil || len(key) != 32 {
		return nil, errBadKey
	}
	return key, nil
}

// EncryptMessage encrypts msg for appID with WeChat's scheme and returns the base64 Encrypt value. random
// is the 16-byte prefix; nil draws one from crypto/rand. It serves tests and simulators that must produce
// what the platform sends.
func EncryptMessage(encodingAESKey platform.Secret, appID string, msg, random []byte) (string, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return "", err
	}
	if random == nil {
		random = make([]byte, 16)
		if _, err := rand.Read(random); err != nil {
			return "", err
		}
	}
	if len(random) != 16 {
		return "", errors.New("random prefix must be 16 bytes")
	}
	if uint64(len(msg)) > 1<<31 {
		return "", errors.New("message too long")
	}
	plain := make([]byte, 0, 20+len(msg)+len(appID)+pkcs7Block)
	plain = append(plain, random...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg))) //nolint:gosec // messages are bounded far below 4 GiB
	plain = append(plain, msg...)
	plain = append(plain, appID...)
	pad := pkcs7Block - len(plain)%pkcs7Block
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out), nil
}

// DecryptMessage reverses EncryptMessage: it returns the message and the AppID that trails it. It checks
// the padding (1..32 bytes, all equal) and the length field; it does not check the AppID.
func DecryptMessage(encodingAESKey platform.Secret, encrypted string) (msg []byte, appID string, err error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return nil, "", err
	}
	ct, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encrypted))
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, "", errCiphertext
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, "", err
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > pkcs7Block || pad > len(plain) {
		return nil, "", errPadding
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, "", errPadding
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, "", errPlaintext
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) { //nolint:gosec // len(plain) >= 20 was checked above
		return nil, "", errPlaintext
	}
	end := 20 + int(n)
	return plain[20:end], string(plain[end:]), nil
}

// Signature is WeChat's msg_signature: the hex SHA-1 of the sorted concatenation of token, timestamp,
// nonce and the Encrypt value.
func Signature(token platform.Secret, timestamp, nonce, encrypted string) string {
	parts := []string{token.Reveal(), timestamp, nonce, encrypted}
	sort.Strings(parts)
	h := sha1.New() //nolint:gosec // WeChat defines msg_signature as SHA-1
	for _, p := range parts {
		_, _ = io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TicketSink stores a component_verify_ticket; at is when the platform issued it (its CreateTime), or when
// it arrived if the message has none.
type TicketSink func(ctx context.Context, ticket platform.Secret, at time.Time) error

// TicketHandlerConfig configures NewTicketHandler.
type TicketHandlerConfig struct {
	// Token is the message verification Token (消息校验Token) set on the Open Platform.
	Token platform.Secret
	// EncodingAESKey is the 43-character message encryption key (消息加解密Key).
	EncodingAESKey platform.Secret
	// ComponentAppID is the third-party platform's AppID: messages for any other AppID are refused.
	ComponentAppID string
	// Sink stores each ticket (the controller writes it to a Secret). Required.
	Sink TicketSink
	// Clock defaults to time.Now.
	Clock  func() time.Time
	Logger logr.Logger
}

// Validate reports a config NewTicketHandler cannot work with.
func (cfg TicketHandlerConfig) Validate() error {
	var errs []error
	if cfg.Token == "" {
		errs = append(errs, errors.New("ticket handler: Token is required"))
	}
	if _, err := aesKey(cfg.EncodingAESKey); err != nil {
		errs = append(errs, err)
	}
	if cfg.ComponentAppID == "" {
		errs = append(errs, errors.New("ticket handler: ComponentAppID is required"))
	}
	if cfg.Sink == nil {
		errs = append(errs, errors.New("ticket handler: Sink is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wechat: invalid ticket handler config: %w", err)
	}
	return nil
}

// InfoType values of the third-party platform's authorisation event pushes.
const (
	InfoComponentVerifyTicket = "component_verify_ticket"
	InfoAuthorized            = "authorized"
	InfoUnauthorized          = "unauthorized"
	InfoUpdateAuthorized      = "updateauthorized"
)

type ticketHandler struct {
	cfg    TicketHandlerConfig
	cfgErr error
}

// NewTicketHandler returns the handler for the third-party platform's authorisation event URL (授权事件接收
// URL), where the platform pushes component_verify_ticket every 10 minutes, and the authorized,
// unauthorized and updateauthorized events.
//
// It accepts POST only. It verifies msg_signature (constant-time), decrypts Encrypt, checks the trailing
// AppID (and the inner AppId) against ComponentAppID, hands a component_verify_ticket to the Sink, and
// answers "success". Other InfoTypes are acknowledged with "success" and logged without secrets.
// Responses: 403 bad signature or wrong AppID; 400 bad body, ciphertext, padding or XML; 413 body over
// 64 KiB; 405 not POST; 500 when the Sink fails (the platform pushes again) or the config is invalid (see
// TicketHandlerConfig.Validate).
func NewTicketHandler(cfg TicketHandlerConfig) http.Handler {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &ticketHandler{cfg: cfg, cfgErr: cfg.Validate()}
}

type encryptedEnvelope struct {
	AppID   string `xml:"AppId"`
	ToUser  string `xml:"ToUserName"`
	Encrypt string `xml:"Encrypt"`
}

type authEvent struct {
	AppID                 string `xml:"AppId"`
	CreateTime            string `xml:"CreateTime"`
	InfoType              string `xml:"InfoType"`
	ComponentVerifyTicket string `xml:"ComponentVerifyTicket"`
	AuthorizerAppid       string `xml:"AuthorizerAppid"`
}

func (h *ticketHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.cfg.Logger
	if h.cfgErr != nil {
		log.Error(h.cfgErr, "ticket callback misconfigured")
		http.Error(w, "misconfigured", http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTicketBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	var env encryptedEnvelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		log.V(1).Info("ticket callback: body is not an encrypted message")
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	want := Signature(h.cfg.Token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt)
	got := strings.ToLower(q.Get("msg_signature"))
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		log.Info("ticket callback: bad msg_signature; message refused")
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	msg, appID, err := DecryptMessage(h.cfg.EncodingAESKey, env.Encrypt)
	if err != nil {
		log.Info("ticket callback: message does not decrypt", "reason", err.Error())
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	if subtle.ConstantTimeCompare([]byte(appID), []byte(h.cfg.ComponentAppID)) != 1 {
		log.Info("ticket callback: message is for another AppID; refused", "appID", truncate(appID, 32))
		http.Error(w, "wrong appid", http.StatusForbidden)
		return
	}
	var ev authEvent
	if err := xml.Unmarshal(msg, &ev); err != nil {
		log.Info("ticket callback: decrypted message is not XML")
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	if ev.AppID != "" && ev.AppID != h.cfg.ComponentAppID {
		log.Info("ticket callback: event names another AppID; refused", "appID", truncate(ev.AppID, 32))
		http.Error(w, "wrong appid", http.StatusForbidden)
		return
	}
	switch ev.InfoType {
	case InfoComponentVerifyTicket:
		ticket := strings.TrimSpace(ev.ComponentVerifyTicket)
		if ticket == "" {
			http.Error(w, "empty ticket", http.StatusBadRequest)
			return
		}
		at := h.cfg.Clock()
		if sec, err := strconv.ParseInt(strings.TrimSpace(ev.CreateTime), 10, 64); err == nil && sec > 0 {
			at = time.Unix(sec, 0)
		}
		if err := h.cfg.Sink(r.Context(), platform.Secret(ticket), at); err != nil {
			log.Error(err, "ticket callback: storing the component_verify_ticket failed")
			http.Error(w, "store failed", http.StatusInternalServerError)
			return
		}
		log.V(1).Info("component_verify_ticket stored", "createTime", at.UTC().Format(time.RFC3339))
	default:
		log.Info("third-party platform event acknowledged", "infoType", truncate(ev.InfoType, 40),
			"authorizerAppID", truncate(ev.AuthorizerAppid, 32))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "success")
}
