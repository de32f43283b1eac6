package qunsu

import "strings"

// Action is something complainants did beyond complaining (G §2, §6.3-3).
type Action string

const (
	ActionSitIn     Action = "sit_in"
	ActionSlogan    Action = "slogan"
	ActionBanner    Action = "banner"
	ActionPetition  Action = "petition"
	ActionMedia     Action = "media"
	ActionVandalism Action = "vandalism"
	ActionInjury    Action = "injury"
	ActionConflict  Action = "conflict"
	ActionLawsuit   Action = "lawsuit"
)

// ActionInfo describes an action: its names, the words users type for it, and
// whether it counts as overt (过度维权行为) or escalated (过激行为, safety protocol).
type ActionInfo struct {
	Key       Action
	Name      Text
	Aliases   []string
	Overt     bool
	Escalated bool
}

// Actions is the vocabulary of actions (DOMAIN §1). Lawsuit is not overt; it exists
// so that schemes such as 万科's can grade on it.
var Actions = []ActionInfo{
	{ActionSitIn, Text{LangZH: "群体静坐", LangEN: "sit-in"}, []string{"静坐", "sit-in", "sitin"}, true, false},
	{ActionSlogan, Text{LangZH: "标语", LangEN: "slogans"}, []string{"slogans"}, true, false},
	{ActionBanner, Text{LangZH: "拉横幅", LangEN: "banner"}, []string{"条幅", "横幅", "拉条幅", "banners"}, true, false},
	{ActionPetition, Text{LangZH: "上访", LangEN: "petition"}, []string{"信访", "petitions"}, true, false},
	{ActionMedia, Text{LangZH: "媒体曝光", LangEN: "media"}, []string{"媒体", "曝光", "记者", "press", "reporter", "reporters"}, true, false},
	{ActionVandalism, Text{LangZH: "打砸", LangEN: "vandalism"}, []string{"打砸售楼处"}, true, true},
	{ActionInjury, Text{LangZH: "人员受伤", LangEN: "injury"}, []string{"受伤", "injuries"}, true, true},
	{ActionConflict, Text{LangZH: "冲突", LangEN: "conflict"}, []string{"肢体冲突", "physical conflict"}, true, true},
	{ActionLawsuit, Text{LangZH: "诉讼", LangEN: "lawsuit"}, []string{"起诉", "官司", "litigation"}, false, false},
}

// LookupAction finds an action by key, name or alias, ignoring case.
func LookupAction(word string) (ActionInfo, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	for _, a := range Actions {
		if w == string(a.Key) || matchesText(w, a.Name) || contains(a.Aliases, w) {
			return a, true
		}
	}
	return ActionInfo{}, false
}

// Info returns the description of a, or a bare one for an unknown key.
func (a Action) Info() ActionInfo {
	if info, ok := LookupAction(string(a)); ok {
		return info
	}
	return ActionInfo{Key: a, Name: Text{LangZH: string(a)}}
}

// AnyOvert reports whether any of the actions is overt.
func AnyOvert(actions []Action) bool {
	for _, a := range actions {
		if a.Info().Overt {
			return true
		}
	}
	return false
}

// AnyEscalated reports whether any of the actions is escalated behaviour.
func AnyEscalated(actions []Action) bool {
	for _, a := range actions {
		if a.Info().Escalated {
			return true
		}
	}
	return false
}

// HasAction reports whether actions contains a.
func HasAction(actions []Action, a Action) bool {
	for _, x := range actions {
		if x == a {
			return true
		}
	}
	return false
}

// CategoryInfo is a complaint category (DOMAIN §7) and the words users type for it.
type CategoryInfo struct {
	Key     string
	Name    Text
	Aliases []string
}

// Categories is the vocabulary of complaint categories.
var Categories = []CategoryInfo{
	{"engineering", Text{LangZH: "工程质量", LangEN: "construction quality"}, []string{"工程", "质量", "渗漏", "漏水", "quality"}},
	{"design", Text{LangZH: "规划设计", LangEN: "planning and design"}, []string{"设计", "规划", "planning"}},
	{"sales", Text{LangZH: "销售管理", LangEN: "sales"}, []string{"销售", "营销", "销售承诺"}},
	{"delivery", Text{LangZH: "交付", LangEN: "delivery"}, []string{"交房", "延期交付", "交付延期", "延期"}},
	{"property", Text{LangZH: "物业管理", LangEN: "property management"}, []string{"物业"}},
	{"service", Text{LangZH: "服务行为", LangEN: "service conduct"}, []string{"服务", "态度"}},
	{"repair", Text{LangZH: "维修服务", LangEN: "repair service"}, []string{"维修", "repairs"}},
	{"environment", Text{LangZH: "外部环境", LangEN: "external environment"}, []string{"环境", "配套"}},
}

// LookupCategory finds a category by key, name or alias, ignoring case.
func LookupCategory(word string) (CategoryInfo, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	for _, c := range Categories {
		if w == c.Key || matchesText(w, c.Name) || contains(c.Aliases, w) {
			return c, true
		}
	}
	return CategoryInfo{}, false
}

// CategoryName returns the name of a category key in lang (the key itself if unknown).
func CategoryName(key string, lang Lang) string {
	if c, ok := LookupCategory(key); ok {
		return c.Name.In(lang)
	}
	return key
}

func matchesText(w string, t Text) bool {
	for _, s := range t {
		if strings.ToLower(s) == w {
			return true
		}
	}
	return false
}

func contains(list []string, w string) bool {
	for _, s := range list {
		if strings.ToLower(s) == w {
			return true
		}
	}
	return false
}
