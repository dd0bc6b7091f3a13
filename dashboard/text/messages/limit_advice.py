"""The limit advisor on the limits page (dashboard/forecasting/limit_advice.py, docs/limits.md).

Amounts are won() strings, which end in 원: particles follow that (을, 이, 으로).
A reason is one sentence: "{basis} — …", where {basis} is one of advice.basis.* filled with {value}.
The voucher warning names the crime and helps with nothing: no links, no how-to.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    "advice.title": ("한도 추천", "Suggested limits"),
    "advice.intro": (
        "지난 {months}개월 동안 실제로 쓴 금액으로 구분별 알맞은 한도를 계산했어요. 한도를 낮추면 바로 적용돼요.",
        "Worked out from what this line really spent in the last {months} months. Lowering applies at once.",
    ),
    "advice.suggested": ("추천 한도 {amount}", "Suggested {amount}"),
    "advice.current": ("지금 {amount}", "now {amount}"),
    "advice.apply": ("이 한도로 바꾸기", "Use this limit"),
    "advice.raise_hint": (
        "한도를 올리는 것이라 '월 한도 변경'의 비밀번호 칸에 비밀번호를 입력한 뒤 눌러야 해요.",
        "This raises the limit: enter your password under “Change monthly limits” first.",
    ),
    "advice.direction.lower": ("낮추기", "Lower"),
    "advice.direction.raise": ("올리기", "Raise"),
    "advice.direction.keep": ("그대로", "Keep"),
    "advice.basis.history": (
        "지난 6개월 중 많이 쓴 달 기준(상위 10%)으로 한 달 {value}을 썼어요",
        "In your busier months of the last six (90th percentile) you spent {value}",
    ),
    "advice.basis.no_vouchers": (
        "상품권 결제를 빼면 지난 6개월 중 많이 쓴 달 기준(상위 10%)으로 한 달 {value}을 썼어요",
        "Leaving out gift vouchers, your busier months of the last six (90th percentile) came to {value}",
    ),
    "advice.basis.this_month": ("이번 달에 벌써 {value}을 썼어요", "This month you have already spent {value}"),
    "advice.lower": ("{basis} — 한도 {amount}이면 충분해요.", "{basis} — a limit of {amount} is enough."),
    "advice.raise": (
        "{basis} — 지금 한도 {current}보다 많아서 {amount}으로 올리기를 권해요.",
        "{basis} — more than today's {current}, so {amount} is suggested.",
    ),
    "advice.keep": ("{basis} — 지금 한도 {current}이 알맞아요.", "{basis} — today's {current} fits."),
    "advice.unusual_month": (
        "{basis} — 평소보다 많아서 지금 한도 {current}을 유지하길 권해요. 이번 달이 끝나면 다시 확인해 보세요.",
        "{basis}, more than usual: keep today's {current} and look again when the month is over.",
    ),
    "advice.capped": (
        "{basis} — 이 회선은 최대 {cap}까지만 설정할 수 있어서 {amount}을 권해요.",
        "{basis} — this line can go up to {cap} only, so {amount} is suggested.",
    ),
    "advice.too_little": (
        "사용 기록이 {months}개월뿐이라 아직 추천하지 않아요. {needed}개월 이상 쓰면 추천해 드려요.",
        "Only {months} months of history: a suggestion needs at least {needed}.",
    ),
    "advice.voucher_warning": (
        "지난 6개월 중 {months}개월은 상품권 결제로 한도 가까이까지 썼어요. 소액결제로 산 상품권을 현금으로 바꾸는 "
        "'상품권 현금화'는 불법이에요. 그래서 추천 한도는 상품권 결제를 빼고 일부러 낮게 잡았어요.",
        "In {months} of the last six months gift-voucher charges took this line close to its limit. Turning "
        "vouchers bought by phone into cash is illegal, so the suggestion leaves voucher charges out on purpose.",
    ),
}
