"""Next-bill forecast on the overview: the card, the burn-up fan and the recurring charges still due."""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    "forecast.heading": ("다음 달 청구 예상", "Next bill forecast"),
    "forecast.range": ("({low}–{high})", "({low}–{high})"),
    "forecast.range_note": ("괄호는 80% 예측 범위", "80% prediction range in brackets"),
    "forecast.spent": ("지금까지 {amount}", "So far {amount}"),
    "forecast.due": ("납부일 {date}", "Due {date}"),
    "forecast.date": ("{month}월 {day}일", "{month}/{day}"),
    "forecast.hit_coming": ("이 속도면 {day}일에 한도에 도달합니다",
                            "At this pace you will reach the limit on day {day}"),
    "forecast.hit_already": ("{day}일에 이미 한도에 도달했어요", "The limit was reached on day {day}"),
    "forecast.risk": ("이번 달 한도를 넘을 가능성이 {pct}%예요", "{pct}% chance of reaching the limit this month"),
    "forecast.budget": ("예산 {amount}", "Budget {amount}"),
    "forecast.budget_bar": ("지금까지 {spent} · 예상 {expected} / 예산 {budget}",
                            "{spent} so far · {expected} expected / budget {budget}"),
    "forecast.over_budget": ("예산 초과 예상", "Over budget forecast"),
    "forecast.within_budget": ("예산 안에서 끝날 것 같아요", "Expected to stay within budget"),
    "forecast.safe": ("이 속도면 한도 안에서 끝날 것 같아요", "At this pace the month stays within the limit"),
    "forecast.upcoming": ("이번 달 남은 정기결제", "Recurring charges still due"),
    "forecast.none_upcoming": ("이번 달 남은 정기결제가 없어요", "No recurring charges left this month"),
    "forecast.expected_on": ("{date} 예정", "expected {date}"),
    "forecast.mark_cancelled": ("해지했어요", "Cancelled"),
    # A button's accessible name holds its visible text (WCAG 2.5.3), with the merchant it acts on.
    "forecast.mark_cancelled_label": ("{merchant} 해지했어요", "Mark {merchant} as cancelled"),
    "forecast.excluded": ("해지 표시한 정기결제 (예상에서 제외)", "Marked as cancelled (left out)"),
    "forecast.include": ("다시 포함", "Include again"),
    "forecast.include_label": ("{merchant} 다시 포함", "Include {merchant} again"),
    "forecast.fan": ("예상 범위 (80%)", "Forecast range (80%)"),
    "forecast.fan_low": ("예상 하한", "Forecast low"),
    "forecast.expected_line": ("예상", "Forecast"),
}
