package qunsu

import "testing"

func TestMaskPII_DOMAIN6(t *testing.T) {
	cases := []struct{ in, want string }{
		{"业主电话13812345678", "业主电话138****5678"},
		{"call +86 138-1234-5678 now", "call 138****5678 now"},
		{"3栋2单元1201室漏水", "3栋***漏水"},
		{"12号楼1502业主", "12号楼***业主"},
		{"住1201室的王先生", "住***室的王先生"},
		{"房号 3-2-1201", "房号 3-***"},
		{"身份证110101199003071234", "身份证110101********1234"},
		{"35户 拉横幅 延期交付三个月", "35户 拉横幅 延期交付三个月"},
		{"2026年11月22日", "2026年11月22日"},
	}
	for _, c := range cases {
		if got := MaskPII(c.in); got != c.want {
			t.Errorf("MaskPII(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
