"""The subscriptions page (/subscriptions), how to cancel each one, and the two subscription alerts."""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    "nav.subscriptions": ("구독", "Subscriptions"),
    "subscriptions.title": ("정기결제·구독", "Subscriptions"),
    "subscriptions.intro": (
        "결제 내역에서 같은 가맹점이 같은 금액을 매주·매달·매년 결제한 자동결제를 찾았어요. "
        "해지한 구독은 '해지했어요'로 표시하면 다음 달 청구 예상에서 빠집니다.",
        "Charges the same merchant takes every week, month or year, found in this line's history. "
        "Mark one as cancelled and the next-bill forecast leaves it out.",
    ),
    "subscriptions.none": ("아직 찾은 정기결제가 없어요.", "No recurring charges found yet."),
    "subscriptions.none_hint": (
        "같은 금액이 매달 같은 날 세 번 이상 결제되면(자동결제로 표시된 결제는 두 번) 여기에 나타나요.",
        "A charge shows up here once it repeats on the same day three times (twice when marked as automatic).",
    ),
    "subscriptions.yearly_total": ("진행 중인 구독 연간 {amount}", "Running subscriptions: {amount} a year"),
    "subscriptions.count": ("{n}개", "{n} found"),
    "subscriptions.cadence.monthly": ("매달", "Monthly"),
    "subscriptions.cadence.weekly": ("매주", "Weekly"),
    "subscriptions.cadence.yearly": ("매년", "Yearly"),
    "subscriptions.price.monthly": ("월 {amount}", "{amount} a month"),
    "subscriptions.price.weekly": ("주 {amount}", "{amount} a week"),
    "subscriptions.price.yearly": ("연 {amount}", "{amount} a year"),
    "subscriptions.pg": ("결제대행사", "Payment gateway"),
    "subscriptions.pg_none": ("없음 (콘텐츠이용료)", "None (content charge)"),
    "subscriptions.first": ("첫 결제", "First charge"),
    "subscriptions.last": ("마지막 결제", "Last charge"),
    "subscriptions.next": ("다음 결제 예정", "Next charge"),
    "subscriptions.next_none": ("없음 (결제가 멈췄어요)", "None (it has stopped)"),
    "subscriptions.yearly": ("연간 비용", "Yearly cost"),
    "subscriptions.date_long": ("{year}년 {month}월 {day}일", "{month}/{day}/{year}"),
    "subscriptions.stopped": ("멈춤", "Stopped"),
    "subscriptions.cancelled": ("해지함", "Cancelled"),
    "subscriptions.price_rise": ("{date} 가격 인상 {old} → {new}", "Price rise on {date}: {old} → {new}"),
    "subscriptions.price_drop": ("{date} 가격 인하 {old} → {new}", "Price cut on {date}: {old} → {new}"),
    "subscriptions.pending": (
        "{date}에 {amount}이 결제됐어요. 가격이 바뀐 건지 다음 결제 때 확인할게요.",
        "{amount} was charged on {date}. Whether the price changed shows at the next charge.",
    ),
    # ---- how to cancel ----
    "subscriptions.how_to_cancel": ("해지 방법", "How to cancel"),
    "subscriptions.store.google_play": (
        "Google Play 스토어 앱 → 프로필 → 결제 및 정기 결제 → 정기 결제 → 구독 선택 → 구독 취소",
        "Google Play Store app → profile → Payments & subscriptions → Subscriptions → pick it → Cancel subscription",
    ),
    "subscriptions.store.app_store": (
        "iPhone 설정 → 내 이름(Apple 계정) → 구독 → 구독 선택 → 구독 취소",
        "iPhone Settings → your name (Apple Account) → Subscriptions → pick it → Cancel Subscription",
    ),
    "subscriptions.store.one_store": (
        "원스토어 앱 → MY → 구독·정기결제 관리 → 해지",
        "ONE store app → MY → subscriptions / recurring payments → cancel",
    ),
    "subscriptions.merchant_site": (
        "가맹점 앱이나 웹사이트의 멤버십·구독 설정에서 해지하세요.",
        "Cancel it in the merchant's app or website (membership / subscription settings).",
    ),
    # Followed by the PG's name (as the charge names it) and its customer-centre number.
    "subscriptions.pg_contact": ("해지가 안 되면 결제대행사 고객센터:", "If that fails, the payment gateway:"),
    "subscriptions.carrier_contact": (
        "그래도 결제되면 통신사 {carrier}에 그 가맹점의 자동결제 차단을 요청하세요: {phones}",
        "Still charged? Ask {carrier} to block that merchant's automatic payments: {phones}",
    ),
    "subscriptions.carrier_mvno": (
        "그래도 결제되면 가입한 알뜰폰 고객센터에 자동결제 차단을 요청하세요",
        "Still charged? Ask your MVNO's customer centre to block automatic payments",
    ),
    "subscriptions.hotline": ("휴대폰에서 {number}(무료)", "{number} from the phone (free)"),
    "subscriptions.landline": ("일반전화 {number}", "{number} from a landline"),
    "subscriptions.skt_next_month": (
        "SKT에서는 가맹점 자동결제 차단이 다음 달부터 적용될 수 있어요.",
        "At SKT a merchant block may only apply from next month.",
    ),
    # ---- marks ----
    "subscriptions.mark_cancelled": ("해지했어요", "Cancelled"),
    "subscriptions.mark_cancelled_label": ("{merchant} 해지했어요", "Mark {merchant} as cancelled"),
    "subscriptions.mark_not": ("구독 아니에요", "Not a subscription"),
    "subscriptions.mark_not_label": ("{merchant} 구독 아니에요", "{merchant} is not a subscription"),
    "subscriptions.undo": ("되돌리기", "Undo"),
    "subscriptions.undo_label": ("{merchant} 표시 되돌리기", "Undo the mark on {merchant}"),
    "subscriptions.not_subscriptions": ("구독이 아니라고 표시한 가맹점", "Marked as not a subscription"),
    "subscriptions.marked": ("표시했어요. 청구 예상에도 반영돼요.", "Saved. The forecast follows."),
    "subscriptions.unchanged": ("이미 그렇게 표시돼 있어요.", "It was already marked so."),
    "subscriptions.bad_mark": ("표시할 수 없는 항목이에요.", "That cannot be marked."),
    # ---- this month's calendar ----
    "subscriptions.calendar": ("{month}월 결제 달력", "Charges in {month_name}"),
    "subscriptions.calendar_caption": ("이번 달 정기결제 일정", "This month's recurring charges"),
    "subscriptions.calendar_none": ("이번 달 정기결제가 없어요.", "No recurring charges this month."),
    "subscriptions.calendar_day": ("{day}일: {n}건", "Day {day}: {n}"),
    "subscriptions.paid": ("결제됨", "charged"),
    "subscriptions.expected": ("예정", "expected"),
    "subscriptions.weekdays": ("일,월,화,수,목,금,토", "Sun,Mon,Tue,Wed,Thu,Fri,Sat"),
    # ---- alerts ----
    "alerts.kind.subscription_new": ("새 정기결제", "New subscription"),
    "alerts.kind.subscription_price_rise": ("구독료 인상", "Subscription price rise"),
    "alerts.msg.subscription_new_monthly": (
        "{line}: {merchant}에서 매달 {amount}이 자동결제되고 있어요 (연 {yearly}, 다음 결제 {next}). "
        "모르는 결제라면 해지하세요.",
        "{line}: {merchant} charges {amount} every month ({yearly} a year, next on {next}). "
        "Cancel it if you do not know it.",
    ),
    "alerts.msg.subscription_new_weekly": (
        "{line}: {merchant}에서 매주 {amount}이 자동결제되고 있어요 (연 {yearly}, 다음 결제 {next}).",
        "{line}: {merchant} charges {amount} every week ({yearly} a year, next on {next}).",
    ),
    "alerts.msg.subscription_new_yearly": (
        "{line}: {merchant}에서 매년 {amount}이 자동결제되고 있어요 (다음 결제 {next}).",
        "{line}: {merchant} charges {amount} every year (next on {next}).",
    ),
    "alerts.msg.subscription_price_rise": (
        "{line}: {merchant} 구독료가 {old}에서 {amount}으로 올랐어요 ({time}, 연 {yearly}).",
        "{line}: {merchant} went up from {old} to {amount} ({time}, {yearly} a year).",
    ),
}
