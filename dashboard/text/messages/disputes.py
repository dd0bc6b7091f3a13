"""The cancellation window and the dispute pack (docs/disputes.md)."""

MESSAGES = {
    # ---- the cancellation window --------------------------------------------------------------
    "disputes.date": ("{month}월 {day}일", "{mon} {day}"),
    "disputes.date_full": ("{year}년 {month}월 {day}일", "{mon} {day}, {year}"),
    "disputes.window.col": ("취소 기한", "Cancel by"),
    "disputes.window.days": ("{days}일 남음", "{days} days left"),
    "disputes.window.today": ("오늘까지", "Today only"),
    "disputes.window.closed": ("환불만 가능", "Refund only"),
    "disputes.window.open_sentence": (
        "{date}까지 취소하면 청구서에서 빠집니다 ({days}일 남음).",
        "Cancelled by {date}, it stays off the bill ({days} days left).",
    ),
    "disputes.window.today_sentence": (
        "오늘({date}) 자정 전에 취소해야 청구서에서 빠집니다.",
        "Cancel before midnight today ({date}) to keep it off the bill.",
    ),
    "disputes.window.closed_sentence": (
        "{month} 이용분은 청구가 확정되어, 지금 취소하면 은행 환불로 처리됩니다 (수수료가 빠질 수 있음).",
        "The {month} charges are billed: a cancellation now is a bank refund (a fee may be deducted).",
    ),
    "disputes.window.some_open": ("결제 {count}건 중 {open}건", "{open} of {count} charges"),
    # ---- what to do about a charge you did not make --------------------------------------------
    "disputes.fraud.title": ("본인이 하지 않은 결제라면 지금 하세요", "If you did not make these charges, act now"),
    "disputes.step.pg": (
        "결제대행사 {pg} 고객센터({phone})에 전화해 결제 취소와 청구 보류를 요청하세요.",
        "Call {pg}'s customer centre ({phone}) and ask them to cancel the charge and withhold it.",
    ),
    "disputes.step.pg_unknown": (
        "결제대행사 {pg}에 취소를 요청하세요 (번호는 결제 문자나 가맹점 화면에 있습니다).",
        "Ask the gateway {pg} to cancel (its number is in the payment text or on the merchant's page).",
    ),
    "disputes.step.app_store": (
        "앱 마켓 결제(콘텐츠이용료)는 통신사 고객센터와 구글플레이·App Store·원스토어에 환불을 요청하세요.",
        "App-store charges (content fees): ask the carrier and Google Play / App Store / ONE store for a refund.",
    ),
    "disputes.step.carrier": (
        "통신사 {carrier} 고객센터(휴대폰 {phone})에 부정결제를 신고하고 소액결제를 차단하세요.",
        "Report the fraud to {carrier} (call {phone} from the phone) and block micropayments.",
    ),
    "disputes.step.carrier_mvno": (
        "가입한 알뜰폰 사업자 고객센터에 부정결제를 신고하고 소액결제를 차단하세요.",
        "Report the fraud to your MVNO's customer centre and block micropayments.",
    ),
    "disputes.step.police": (
        "경찰(112 또는 가까운 경찰서)에 신고하고 사건사고사실확인원을 발급받아 통신사·결제대행사에 제출하세요.",
        "Report it to the police (112 or a police station) and send their incident confirmation "
        "(sageon sago sasil hwaginwon) to the carrier and the gateway.",
    ),
    "disputes.step.pack": (
        "분쟁 자료(PDF·CSV)를 함께 보내세요. 사업자는 2주 안에 처리 결과를 알려야 합니다 (정보통신망법 제58조 제3항).",
        "Send the dispute pack (PDF, CSV) with it: the provider must answer within two weeks "
        "(Network Act art. 58(3)).",
    ),
    # ---- download links and the transactions page's pack -----------------------------------------
    "disputes.pack.pdf": ("분쟁 자료 PDF", "Dispute pack PDF"),
    "disputes.pack.csv": ("분쟁 자료 CSV", "Dispute pack CSV"),
    "disputes.pack.for": ("통신사·결제대행사·경찰 제출용", "In Korean, for the carrier, the gateway and the police"),
    "disputes.basket.title": ("분쟁 자료", "Dispute pack"),
    "disputes.basket.help": (
        "본인이 하지 않은 결제를 골라 담으면, 통신사·결제대행사·경찰에 낼 PDF와 CSV를 받을 수 있습니다.",
        "Add the charges you did not make, then download a PDF and a CSV for the carrier, the gateway and the "
        "police.",
    ),
    "disputes.basket.add": ("분쟁 자료에 담기", "Add to dispute pack"),
    "disputes.basket.clear": ("비우기", "Clear"),
    "disputes.basket.empty": ("담은 결제가 없습니다.", "No charges added yet."),
    "disputes.basket.count": ("{count}건 · 합계 {total}", "{count} charges · {total} in total"),
    "disputes.basket.full": ("한 번에 {max}건까지 담을 수 있습니다.", "A pack holds at most {max} charges."),
    # ---- refusals -----------------------------------------------------------------------------
    "disputes.err.not_found": ("결제 내역을 찾을 수 없습니다.", "Charge not found."),
    "disputes.err.empty": ("분쟁 자료에 담을 결제가 없습니다.", "There are no charges to put in a pack."),
    "disputes.err.one_line": ("한 회선의 결제만 함께 담을 수 있습니다.", "One pack holds the charges of one line."),
    "disputes.err.too_many": ("한 번에 {max}건까지 담을 수 있습니다.", "A pack holds at most {max} charges."),
    # ---- the pack's statuses --------------------------------------------------------------------
    "disputes.status.approved": ("승인 (청구 예정)", "Approved (to be billed)"),
    "disputes.status.billed": ("승인 (청구됨)", "Approved (billed)"),
    "disputes.status.cancelled": ("취소됨 (청구 제외)", "Cancelled (off the bill)"),
    "disputes.status.refunded": ("취소됨 (환불)", "Cancelled (refund)"),
    "disputes.status.declined": ("거절", "Declined"),
    "disputes.status.cancellation": ("취소 내역", "Cancellation entry"),
    "disputes.status.refund": ("환불 내역", "Refund entry"),
    # ---- the document ---------------------------------------------------------------------------
    "disputes.doc.title": ("휴대폰 소액결제 이의신청 자료", "Phone micropayment dispute pack"),
    "disputes.doc.subtitle": (
        "통신사·결제대행사 제출 및 경찰 신고용", "For the carrier, the payment gateway and a police report"),
    "disputes.doc.prepared": ("작성 일시", "Prepared"),
    "disputes.doc.line": ("회선", "Line"),
    "disputes.doc.carrier": ("통신사", "Carrier"),
    "disputes.doc.line_status": ("회선 상태", "Line status"),
    "disputes.doc.blocked": ("{time} 차단 ({reason})", "Blocked {time} ({reason})"),
    "disputes.doc.unblocked": ("{time} 차단 해제", "Unblocked {time}"),
    "disputes.doc.never_blocked": ("이 앱에서 차단한 기록이 없습니다.", "Never blocked in this app."),
    "disputes.doc.charges": ("이의 제기 결제 {count}건 · 청구(예정) 금액 {total}",
                             "Disputed charges: {count}, {total} billed or to be billed"),
    "disputes.doc.how": ("연락처", "How to reach"),
    "disputes.doc.whom": ("기관", "Whom"),
    "disputes.doc.window": ("취소 기한", "Cancellation window"),
    "disputes.doc.alerts": ("이 결제에 대해 울린 알림", "Alerts raised about these charges"),
    "disputes.doc.no_alerts": ("없음", "None"),
    "disputes.doc.contacts": ("보낼 곳", "Where to send it"),
    "disputes.doc.contact_carrier": ("통신사 {carrier}", "Carrier {carrier}"),
    "disputes.doc.contact_pg": ("결제대행사 {pg}", "Gateway {pg}"),
    "disputes.doc.contact_police": ("경찰", "Police"),
    "disputes.doc.phone_unknown": ("번호 미확인: 결제 문자나 가맹점 화면 확인", "number unknown: see the payment text"),
    "disputes.doc.police_how": (
        "112 또는 가까운 경찰서 민원실 · 사이버범죄 신고시스템(ECRM) — 신고 후 사건사고사실확인원 발급",
        "112 or a police station · the cyber-crime reporting system (ECRM) — then ask for the incident confirmation "
        "(sageon sago sasil hwaginwon)",
    ),
    "disputes.doc.app_store": ("앱 마켓 결제", "App-store charges"),
    "disputes.doc.app_store_how": (
        "통신사 고객센터, 그리고 구글플레이·App Store·원스토어 환불 요청",
        "the carrier, and a refund request to Google Play / App Store / ONE store",
    ),
    "disputes.doc.duty_title": ("사업자의 답변 의무", "The provider's duty to answer"),
    "disputes.doc.duty": (
        "정보통신망법 제58조 제3항: 본인 의사에 반한 결제의 정정을 요구하면, 통신과금서비스제공자는 요구가 이유 "
        "있을 때 판매자에 대한 대금 지급을 보류하고, 요구를 받은 날부터 2주 이내에 처리 결과를 알려야 합니다. "
        "오늘 접수하면 {date}까지 답을 받아야 합니다.",
        "Network Act art. 58(3): when you ask to correct a charge made against your will, the billing provider "
        "must, if the claim is founded, withhold payment to the seller and tell you the outcome within two weeks "
        "of receiving it. Filed today, the answer is due by {date}.",
    ),
    "disputes.doc.footer": (
        "마이크로빌에서 만든 자료입니다. 통신사·결제대행사의 결제 기록과 대조해 주세요.",
        "Prepared with Microbill. Compare it with the carrier's and the gateway's records.",
    ),
    "disputes.doc.page": ("{page}쪽", "page {page}"),
    "disputes.doc.alert_kind": ("종류", "Kind"),
    "disputes.doc.alert_text": ("내용", "Message"),
    # CSV columns (the rest are tx.col.*)
    "disputes.csv.line": ("회선", "Line"),
    "disputes.csv.carrier": ("통신사", "Carrier"),
    "disputes.csv.id": ("거래ID", "Transaction ID"),
    "disputes.csv.blocked": ("회선 차단 일시", "Line blocked at"),
    "disputes.csv.alerts": ("관련 알림", "Alerts"),
}
