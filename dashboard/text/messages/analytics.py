"""Overview analytics: month picker, burn-up, categories, merchants, weekday × hour, month over month."""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    "analytics.heading": ("월별 분석", "Month in detail"),
    "analytics.month": ("조회 월", "Month"),
    "analytics.month_name": ("{year}년 {name}", "{name} {year}"),
    "analytics.month_names": ("1월,2월,3월,4월,5월,6월,7월,8월,9월,10월,11월,12월",
                              "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec"),
    "analytics.empty": ("이 달에는 사용 내역이 없어요", "Nothing spent this month"),
    # burn-up
    "analytics.burnup_title": ("누적 사용액과 한도", "Running total vs limit"),
    "analytics.pace": ("균등 페이스", "Even pace"),
    "analytics.day": ("{day}일", "Day {day}"),
    # categories
    "analytics.category_title": ("카테고리별 사용액", "Spending by category"),
    "analytics.cat.game": ("게임", "Games"),
    "analytics.cat.app_store": ("앱스토어", "App stores"),
    "analytics.cat.gift_voucher": ("상품권", "Gift vouchers"),
    "analytics.cat.subscription": ("구독", "Subscriptions"),
    "analytics.cat.delivery": ("배달", "Delivery"),
    "analytics.cat.shopping": ("쇼핑", "Shopping"),
    "analytics.cat.transport": ("교통", "Transport"),
    "analytics.cat.other": ("기타", "Other"),
    # merchants
    "analytics.merchant_title": ("많이 쓴 가맹점 TOP {n}", "Top {n} merchants"),
    "analytics.no_pg": ("통신사 직접결제", "Direct carrier billing"),
    "analytics.count": ("{n}건", "Payments: {n}"),
    # weekday × hour
    "analytics.heatmap_title": ("요일·시간대별 사용액", "Spending by weekday and hour"),
    "analytics.weekdays": ("월,화,수,목,금,토,일", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    "analytics.hour": ("{hour}시", "{hour}h"),
    "analytics.night": ("새벽", "Night"),
    # month over month
    "analytics.compare_title": ("전월·3개월 평균과 비교", "Against earlier months"),
    "analytics.compare_title_partial": ("같은 기간 비교 (1~{day}일)", "Same days compared (1–{day})"),
    "analytics.period": ("{month} 1~{day}일", "{month} 1–{day}"),
    "analytics.average": ("3개월 평균", "3-month average"),
    "analytics.spent_so_far": ("{period} 사용액 {amount}", "Spent {period}: {amount}"),
    "analytics.spent_month": ("{month} 사용액 {amount}", "Spent in {month}: {amount}"),
    "analytics.ref_prev_partial": ("지난달 같은 기간", "the same days last month"),
    "analytics.ref_prev_full": ("전월", "the month before"),
    "analytics.ref_avg_partial": ("최근 3개월 같은 기간 평균", "the same days' 3-month average"),
    "analytics.ref_avg_full": ("직전 3개월 평균", "the previous 3-month average"),
    "analytics.more": ("{ref}보다 {pct}% 많아요", "{pct}% more than {ref}"),
    "analytics.less": ("{ref}보다 {pct}% 적어요", "{pct}% less than {ref}"),
    "analytics.same": ("{ref}과 비슷해요", "About the same as {ref}"),
    "analytics.none_in": ("{ref}에는 사용 내역이 없어요", "Nothing was spent in {ref}"),
    "analytics.no_history": ("비교할 이전 기록이 아직 없어요", "No earlier months to compare with yet"),
}
