package render

import "qunsu"

// Safety is the safety protocol posted on escalated behaviour (G §6.3-3, -4).
func Safety(lang qunsu.Lang) string { return T(lang, "safety") }
