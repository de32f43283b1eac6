package qunsu_test

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"qunsu"
)

// The tokens are found as the patterns they were first written as:
// @{id} and #{complaint}, the id not empty and without "}".
func TestTokensAreFoundAsTheirPatternsSay(t *testing.T) {
	patterns := map[string]*regexp.Regexp{"@": regexp.MustCompile(`@\{([^}]+)\}`), "#": regexp.MustCompile(`#\{([^}]+)\}`)}
	render := func(id string) string { return "<" + id + ">" }
	byPattern := func(p *regexp.Regexp, text string) string {
		return p.ReplaceAllStringFunc(text, func(tok string) string { return render(p.FindStringSubmatch(tok)[1]) })
	}
	cases := []string{"", "plain", "@{zhangwei}", "⏰ @{a} and @{b}.", "@{}", "@{}x}", "@{a@{b}", "@{@{a}", "@{a", "@{a}}", "}@{",
		"#{QS-20261123-001} 群", "@{张伟}#{QS-1}", "@@{a}", "@{a}@{b}@{c}"}
	alphabet := []string{"@", "#", "{", "}", "a", "张", " "}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		n := rng.IntN(12)
		s := ""
		for range n {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, s)
	}
	for _, text := range cases {
		if got, want := qunsu.RenderMentions(text, render), byPattern(patterns["@"], text); got != want {
			t.Fatalf("RenderMentions(%q) = %q, want %q", text, got, want)
		}
		if got, want := qunsu.RenderChatLinks(text, render), byPattern(patterns["#"], text); got != want {
			t.Fatalf("RenderChatLinks(%q) = %q, want %q", text, got, want)
		}
	}
}
