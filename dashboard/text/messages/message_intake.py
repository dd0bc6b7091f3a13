"""Texts of the message intake (API refusals, the inbox) and of the alerts it raises."""

MESSAGES = {
    "messages.err.empty": ("메시지 내용이 비어 있습니다.", "The message text is empty."),
    "messages.err.binary": ("문자 메시지가 아닌 데이터입니다(제어 문자나 잘못된 인코딩).",
                            "This is not a text message (control characters or a broken encoding)."),
    "messages.err.too_large": ("메시지가 너무 큽니다: 최대 {limit}KB입니다.",
                               "The message is too large: at most {limit} KB."),
    "messages.err.sender": ("보낸 사람은 {limit}자 이하의 한 줄이어야 합니다.",
                            "The sender must be one line of at most {limit} characters."),
    "messages.err.token": ("연동 URL이 올바르지 않거나 꺼져 있습니다.",
                           "This intake URL is wrong or has been turned off."),
    "messages.err.rate": ("메시지가 너무 자주 왔습니다. 잠시 후 다시 보내세요.",
                          "Too many messages for this URL. Wait a moment and send again."),
    "messages.err.json": ("본문이 올바른 JSON 객체가 아닙니다.", "The body is not a JSON object."),
    "messages.err.media_type": ("text/plain, JSON 또는 폼으로 보내 주세요.", "Send text/plain, JSON or a form."),
    "messages.err.fields": ("보낸 항목을 확인하세요: text(필수), sender, received_at.",
                            "Check the fields: text (required), sender, received_at."),
    "messages.err.not_found": ("그 메시지를 찾을 수 없습니다.", "That message was not found."),
    "messages.err.bucket": ("결제 종류를 선택하세요.", "Choose the kind of charge."),
    "messages.err.amount_not_in_text": ("입력한 금액이 메시지에 그대로 있지 않습니다. 메시지에 보이는 대로 입력하세요.",
                                        "That amount is not in the message: type it as the message shows it."),
    "messages.err.merchant_not_in_text": ("입력한 가맹점명이 메시지에 그대로 있지 않습니다.",
                                          "That merchant name is not in the message as typed."),
    "messages.err.template_unread": ("표시한 금액과 가맹점으로 이 메시지를 읽을 수 없습니다.",
                                     "The message cannot be read with the amount and merchant you marked."),
    # ---- alerts raised by messages ----
    "alerts.kind.auth_code_burst": ("인증번호 이상 수신", "Unusual authentication codes"),
    "alerts.kind.smishing": ("스미싱 의심 문자", "Possible smishing text"),
    "alerts.kind.blocked_charge": ("차단 회선에 결제됨", "Charged on a blocked line"),
    "alerts.msg.auth_code_burst": (
        "{line}: 결제 인증번호 문자가 {count}건 연달아 왔습니다({time}). 본인이 요청하지 않았다면 누군가 이 번호로 "
        "결제를 시도하고 있습니다. 인증번호를 알려주지 말고 바로 차단하세요.",
        "{line}: {count} payment authentication codes arrived in a row ({time}). If you did not ask for them, "
        "someone is trying to pay with this number. Share no code and block the line now.",
    ),
    "alerts.msg.auth_code_night": (
        "{line}: 새벽에 결제 인증번호 문자가 왔습니다({time}). 본인이 요청하지 않았다면 바로 차단하세요.",
        "{line}: a payment authentication code arrived at night ({time}). If you did not ask for it, block the "
        "line now.",
    ),
    "alerts.msg.smishing": (
        "{line}: 결제완료를 사칭한 스미싱 의심 문자가 왔습니다({sender}, {time}). 문자 속 번호로 전화하거나 링크를 "
        "누르지 마세요. 실제 결제 내역은 이 앱과 통신사 앱에서 확인하세요.",
        "{line}: a text pretending to confirm a payment looks like smishing ({sender}, {time}). Do not call its "
        "number or open its link; check real charges here and in the carrier's app.",
    ),
    "alerts.msg.blocked_charge": (
        "{line}: 이 앱에서 차단한 회선에 결제 승인 문자가 왔습니다 — {merchant} {amount} ({time}). 통신사에서도 "
        "차단해야 결제가 멈춥니다: 차단 페이지의 통신사 안내를 따르세요.",
        "{line}: a payment was approved on a line blocked here — {merchant} {amount} ({time}). Block it at the "
        "carrier too, or charges continue: follow the carrier steps on the block page.",
    ),
}

MESSAGES.update({
    "inbox.title": ("읽지 못한 결제 문자", "Payment texts to read"),
    "inbox.intro": ("폰에서 전달된 문자 중 형식을 알 수 없는 것입니다. 금액과 가맹점을 문자에 보이는 대로 한 번 적어 "
                    "주면, 같은 발신번호의 다음 문자부터는 자동으로 읽습니다.",
                    "Forwarded texts in a format we did not know. Type the amount and the merchant once, as the text "
                    "shows them, and the sender's next texts are read by themselves."),
    "inbox.empty": ("읽지 못한 문자가 없습니다.", "No texts waiting."),
    "inbox.no_sender": ("발신번호 없음", "No sender"),
    "inbox.amount": ("금액", "Amount"),
    "inbox.merchant": ("가맹점", "Merchant"),
    "inbox.bucket": ("결제 종류", "Kind"),
    "inbox.hint": ("문자에 적힌 그대로 입력하세요(예: 12,300).",
                   "Type them exactly as in the text (e.g. 12,300)."),
    "inbox.save": ("결제로 저장하고 기억하기", "Save as a charge and remember"),
    "inbox.dismiss": ("결제 아님", "Not a charge"),
    "inbox.saved": ("{merchant} {amount} 결제를 저장했습니다. 이 발신번호의 다음 문자는 자동으로 읽습니다.",
                    "Saved {merchant} {amount}. This sender's next texts will be read automatically."),
    "inbox.saved_duplicate": ("{merchant} {amount}: 이미 있는 결제라 한 번만 셉니다. "
                              "다음 문자부터는 자동으로 읽습니다.",
                              "{merchant} {amount} was already recorded, so it counts once. Next texts are read "
                              "automatically."),
    "inbox.dismissed": ("결제가 아닌 문자로 표시했습니다.", "Marked as not a charge."),
})
