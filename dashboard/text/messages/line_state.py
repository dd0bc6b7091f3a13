"""Messages for the line-state banners at the top of every page of a line (layouts/line_state.py)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    "line_state.label": ("회선 상태", "Line status"),
    "line_state.blocked": ("이 회선은 차단되어 있어요. 새 결제는 모두 거절됩니다.",
                           "This line is blocked: every new charge is refused."),
    "line_state.unblock": ("차단 해제", "Unblock"),
    "line_state.unblock_who": ("해제는 회선 주인이나 보호자가 할 수 있어요.",
                               "The line's owner or a guardian can unblock it."),
    "line_state.overdue": ("미납 {amount} ({months}). 납부할 때까지 결제 한도가 {cap} 이하로 제한돼요.",
                           "{amount} overdue ({months}). Until it is paid the limit is at most {cap}."),
    "line_state.restricted": ("미납으로 결제가 제한된 회선이에요. 한도는 최대 {cap}이에요.",
                              "This line is restricted for non-payment: its limit is at most {cap}."),
    "line_state.pay": ("납부하기", "Pay now"),
    "line_state.see_bills": ("청구서 보기", "See bills"),
    "line_state.over_budget": ("예산 초과 예상: 이번 달 예상 {forecast}, 예산 {budget}",
                               "Over budget forecast: {forecast} expected this month, budget {budget}"),
    "line_state.see_budget": ("예산 보기", "See budget"),
    "line_state.blocked_remaining": ("차단 중 · 결제 불가", "Blocked · no charges"),
    "forecast.blocked": ("차단된 회선이라 이번 달 새 결제는 더 늘지 않아요",
                         "The line is blocked: no new charges will be added this month"),
}
