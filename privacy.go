package qunsu

import "regexp"

// Customer personal data is confidential (G §4, DOMAIN §6): chat posts show it
// masked, the store keeps it in full.
var (
	idCardPattern   = regexp.MustCompile(`\b(\d{6})\d{8}(\d{3}[\dXx])\b`)
	mobilePattern   = regexp.MustCompile(`(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})`)
	buildingPattern = regexp.MustCompile(`(\d+(?:栋|幢|号楼|座))(?:\s*\d+\s*单元)?\s*\d+\s*(?:室|号|房)?`)
	dashRoomPattern = regexp.MustCompile(`\b(\d{1,3})-\d{1,3}(?:-\d{2,5})?\b`)
	roomPattern     = regexp.MustCompile(`\d{3,5}\s*(室|房)`)
)

// MaskPII masks phone numbers, ID card numbers and room numbers in text:
// 13812345678 → 138****5678, 3栋2单元1201室 → 3栋***, 1201室 → ***室.
func MaskPII(text string) string {
	text = idCardPattern.ReplaceAllString(text, "$1********$2")
	text = mobilePattern.ReplaceAllString(text, "$1****$2")
	text = buildingPattern.ReplaceAllString(text, "$1***")
	text = dashRoomPattern.ReplaceAllString(text, "$1-***")
	return roomPattern.ReplaceAllString(text, "***$1")
}
