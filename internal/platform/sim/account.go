// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

// principalType maps a subject type to getaccountbasicinfo's principal_type: 0 individual, 1 enterprise,
// 2 media, 3 government, 4 other organisation. Individual businesses and overseas entities report 1.
func principalType(t SubjectType) int {
	switch t {
	case Individual:
		return 0
	case Media:
		return 2
	case Government:
		return 3
	case OtherOrganization:
		return 4
	default:
		return 1
	}
}

// customerType is getaccountbasicinfo's customer_type: 0 until verified, then the verified kind
// (1 enterprise, 2 media, 3 government, 4 non-profit organisation, 12 individual business, 14 overseas
// enterprise, 15 individual).
func customerType(a *Account) int {
	if a.Verification != Verified && a.Verification != Expired {
		return 0
	}
	switch a.Subject.Type {
	case Media:
		return 2
	case Government:
		return 3
	case OtherOrganization:
		return 4
	case IndividualBusiness:
		return 12
	case Overseas:
		return 14
	case Individual:
		return 15
	default:
		return 1
	}
}

// accountType is getaccountbasicinfo's account_type: 1 subscription, 2 service, 3 Mini Program; 0 for the
// account types the endpoint does not describe.
func accountType(a *Account) int {
	switch a.Type {
	case OfficialAccount:
		if a.ServiceType == subscriptionService {
			return 1
		}
		return 2
	case MiniProgram:
		return 3
	default:
		return 0
	}
}

// GET or POST /cgi-bin/account/getaccountbasicinfo: the facts of the token's account.
func (s *Simulator) apiBasicInfo(c *call) reply {
	a := c.acct
	realname := a.RealnameStatus
	if realname == 0 {
		realname = 1
	}
	// Verified: qualification and name verified, the annual review (年审) due in the future. Expired: verified
	// once, but the annual review's end time has passed. Unverified and in progress: neither.
	qualified := a.Verification == Verified || a.Verification == Expired
	named := qualified
	reviewEnd := int64(0)
	switch a.Verification {
	case Verified:
		reviewEnd = c.now.AddDate(1, 0, 0).Unix()
	case Expired:
		reviewEnd = c.now.AddDate(0, 0, -1).Unix()
	}
	country := 1017 // China, as the platform reports it
	if a.Subject.Type == Overseas {
		country = 0
	}
	credential := ""
	if a.Subject.Type != Individual {
		credential = a.Subject.ID
	}
	return okReply(map[string]any{
		"appid":           a.AppID,
		"account_type":    accountType(a),
		"principal_type":  principalType(a.Subject.Type),
		"principal_name":  a.Subject.Name,
		"credential":      credential,
		"realname_status": realname,
		"wx_verify_info": map[string]any{
			"qualification_verify":     qualified,
			"naming_verify":            named,
			"annual_review":            qualified,
			"annual_review_begin_time": 0,
			"annual_review_end_time":   reviewEnd,
		},
		"signature_info":     map[string]any{"signature": "", "modify_used_count": 0, "modify_quota": 5},
		"head_image_info":    map[string]any{"head_image_url": a.HeadImgURL, "modify_used_count": 0, "modify_quota": 5},
		"nickname":           a.Nickname,
		"nickname_info":      map[string]any{"nickname": a.Nickname, "modify_used_count": 0, "modify_quota": 2},
		"registered_country": country,
		"customer_type":      customerType(a),
	})
}
