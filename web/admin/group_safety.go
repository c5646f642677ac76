package admin

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kith-social/kith/storage"
)

// Bounds of the safety settings (see docs/owners-guide.md).
const (
	maxJoinQuestionRunes = 5000
	maxGroupMentions     = 20
	maxAccountAgeDays    = 365
	maxReviewKeywords    = 200
	maxKeywordRunes      = 100
)

// checkSafetySettings reads the safety part of the settings form into g,
// recording an error beside each field that is out of bounds.
func checkSafetySettings(f *form, g *storage.Group) {
	g.JoinQuestions = f.Get("join_questions")
	if utf8.RuneCountInString(g.JoinQuestions) > maxJoinQuestionRunes {
		f.Fail("join_questions", fmt.Sprintf("Keep the questions to %d characters.", maxJoinQuestionRunes))
	}
	g.MaxGroupMentions = intField(f, "max_group_mentions", maxGroupMentions,
		fmt.Sprintf("Type a number of groups from 0 (no limit) to %d.", maxGroupMentions))
	g.MinAccountAgeDays = intField(f, "min_account_age_days", maxAccountAgeDays,
		fmt.Sprintf("Type a number of days from 0 (off) to %d.", maxAccountAgeDays))
	g.FeedbackDMs = f.Get("feedback_dms") == "on"

	var kws []string
	for _, line := range strings.Split(strings.ReplaceAll(f.Get("review_keywords"), "\r\n", "\n"), "\n") {
		kw := strings.TrimSpace(line)
		if kw == "" {
			continue
		}
		if utf8.RuneCountInString(kw) > maxKeywordRunes {
			f.Fail("review_keywords", fmt.Sprintf("Keep each keyword to %d characters (“%s…” is longer).", maxKeywordRunes, string([]rune(kw)[:20])))
		}
		kws = append(kws, kw)
	}
	if len(kws) > maxReviewKeywords {
		f.Fail("review_keywords", fmt.Sprintf("Keep the list to %d keywords; it has %d.", maxReviewKeywords, len(kws)))
	}
	g.ReviewKeywords = strings.Join(kws, "\n")
}

// intField reads a whole number from 0 to maxN; an empty field is 0.
func intField(f *form, name string, maxN int, msg string) int {
	v := f.Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxN {
		f.Fail(name, msg)
		return 0
	}
	return n
}
