package wecom

import (
	"errors"
	"fmt"
	"testing"

	"github.com/silenceper/wechat/v2/util"

	"qunsu/bot"
)

// Errors are named by WeCom's errcode, however they were wrapped.
func TestErrorCodeNamesWeComErrors(t *testing.T) {
	a := &Adapter{}
	for _, c := range []struct {
		err  error
		want string
	}{
		{&util.CommonError{ErrCode: 45009, ErrMsg: "api freq out of limit"}, "45009"},
		{bot.Permanent(fmt.Errorf("send: %w", &util.CommonError{ErrCode: 86216})), "86216"},
		{&bot.RetryAfter{Err: &util.CommonError{ErrCode: 42001}}, "42001"},
		{errors.New("get access_token error : errcode=40013 , errormsg=invalid corpid"), "40013"},
		{errors.New("dial tcp: connection refused"), ""},
	} {
		if got := a.ErrorCode(c.err); got != c.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
