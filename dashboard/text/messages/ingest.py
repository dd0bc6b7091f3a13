"""Messages for the message-forwarding set-up page (/ingest): the intake URL, the phone recipes, the test box.

Recipe steps are `ingest_page.<recipe>.<n>`; the words a phone must match (결제, 승인 …) are Korean in both
languages and live in layouts/ingest.py, not here.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    "nav.ingest": ("문자 연동", "Message forwarding"),
    "ingest_page.title": ("문자 연동", "Message forwarding"),
    "ingest_page.intro": (
        "결제 문자가 오면 휴대폰이 이 회선의 전용 URL로 바로 보내도록 설정하세요. 결제가 일어나는 순간 "
        "내역에 들어오고, 새벽 연속 결제 같은 이상 결제 알림도 바로 받습니다.",
        "Set your phone to send each payment text message to this line's own URL. The charge shows up the moment "
        "it happens, and fraud alerts (such as a burst of charges at dawn) reach you right away."),
    # ---- the intake URL ----
    "ingest_page.url_title": ("이 회선의 문자 수신 URL", "This line's intake URL"),
    "ingest_page.none": ("아직 URL이 없습니다.", "No intake URL yet."),
    "ingest_page.active": ("사용 중", "Active"),
    "ingest_page.since": ("{when}부터", "since {when}"),
    "ingest_page.last_used": ("마지막 수신: {when}", "Last used: {when}"),
    "ingest_page.never_used": ("아직 받은 문자가 없습니다.", "No message received yet."),
    "ingest_page.create": ("URL 만들기", "Create URL"),
    "ingest_page.rotate": ("새 URL로 바꾸기", "Replace with a new URL"),
    "ingest_page.revoke": ("URL 끄기", "Turn URL off"),
    "ingest_page.rotate_hint": (
        "새 URL로 바꾸면 예전 URL은 바로 작동을 멈춥니다. 휴대폰 설정의 주소도 바꿔 주세요.",
        "A new URL stops the old one at once: change the address in your phone's set-up too."),
    "ingest_page.lost_hint": (
        "URL은 만들 때 한 번만 보여 드립니다. 잃어버렸다면 새 URL로 바꾸세요.",
        "The URL is shown only once, when it is made. If you lost it, replace it with a new one."),
    "ingest_page.shown_once": (
        "이 URL은 지금 한 번만 보여 드립니다. 이 URL을 가진 사람은 누구나 이 회선에 결제 내역을 추가할 수 "
        "있으니, 휴대폰 설정에만 붙여 넣고 다른 곳에 공유하지 마세요.",
        "This URL is shown only now. Whoever has it can add charges to this line: paste it into your phone's "
        "set-up and share it with no one."),
    "ingest_page.url_label": ("문자 수신 URL", "Intake URL"),
    "ingest_page.copy": ("복사", "Copy"),
    "ingest_page.copied": ("복사했습니다.", "Copied."),
    "ingest_page.copy_failed": ("복사하지 못했습니다. 주소를 길게 눌러 직접 복사하세요.",
                                "Could not copy. Select the address and copy it yourself."),
    "ingest_page.revoked": ("URL을 껐습니다. 이제 휴대폰이 보내는 문자는 거절됩니다.",
                            "The URL is off. Messages your phone sends to it are now refused."),
    "ingest_page.nothing_to_revoke": ("끌 URL이 없습니다.", "There was no URL to turn off."),
    # ---- the recipes ----
    "ingest_page.recipes_title": ("휴대폰 설정 방법", "Set up your phone"),
    "ingest_page.recipes_intro": (
        "쓰는 휴대폰에 맞는 방법 하나만 설정하면 됩니다. 결제와 관계없는 문자는 저장하지 않지만, 개인 문자가 "
        "나가지 않도록 아래 단어가 들어간 문자만 보내도록 거르는 것을 권합니다:",
        "Set up one of these, whichever fits your phone. Messages that are not about payments are not stored, "
        "but to keep personal texts on the phone, forward only messages containing these words:"),
    "ingest_page.url_placeholder": ("먼저 위에서 URL을 만드세요", "Create the URL above first"),
    "ingest_page.url_hidden": ("만들 때 보여 드린 URL", "the URL shown when it was made"),
    "ingest_page.posts": ("휴대폰이 보내는 요청", "What the phone sends"),
    "ingest_page.android.title": ("Android: 문자 전달 앱", "Android: an SMS-forwarding app"),
    "ingest_page.android.1": (
        "웹훅(URL)으로 문자를 보내는 문자 전달 앱을 설치하고 문자 읽기 권한을 허용합니다 "
        "(예: F-Droid의 'Incoming SMS to URL forwarder', Play 스토어의 'SMS Forwarder' 류 앱).",
        "Install an SMS-forwarding app that posts to a webhook and allow it to read SMS "
        "(for instance 'Incoming SMS to URL forwarder' on F-Droid, or an 'SMS Forwarder' app from Play)."),
    "ingest_page.android.2": ("전달 규칙을 추가하고 보낸 사람은 모두(*)로 둡니다.",
                              "Add a forwarding rule; leave the sender as everyone (*)."),
    "ingest_page.android.3": ("웹훅 URL에 이 회선의 URL을 넣습니다:", "Webhook URL: this line's URL:"),
    "ingest_page.android.4": ("방법은 POST, 본문(JSON 템플릿)은 다음과 같이 적습니다:",
                              "Method POST, and this body (JSON template):"),
    "ingest_page.android.5": (
        "앱마다 자리표시자 이름이 다를 수 있습니다(%from%, %text% 등). 받은 시각(received_at, ISO-8601)은 "
        "넣지 않아도 됩니다: 문자 안의 날짜나 도착한 시각을 씁니다. 앱이 본문 서식을 못 바꾸면 "
        "일반 텍스트(text/plain)로 문자 내용만 보내도 됩니다.",
        "Placeholder names differ between apps (%from%, %text% …). The received time (received_at, ISO-8601) "
        "may be left out: the date in the message or the time it arrives is used. If the app cannot shape the "
        "body, sending just the message as plain text (text/plain) works too."),
    "ingest_page.android.6": ("내용 필터가 있으면 다음 단어가 들어간 문자만 보내게 합니다:",
                              "If the app filters by content, forward only messages containing:"),
    "ingest_page.tasker.title": ("Android: Tasker", "Android: Tasker"),
    "ingest_page.tasker.1": ("프로필 → + → 이벤트 → 전화 → 문자 수신(Received Text), 유형은 SMS.",
                             "Profiles → + → Event → Phone → Received Text, type SMS."),
    "ingest_page.tasker.2": ("내용(Content)에 다음을 적습니다 (/는 '또는', *는 아무 글자):",
                             "Content (/ means 'or', * any text):"),
    "ingest_page.tasker.3": (
        "새 작업 → + → 변수 → 변수 변환(Variable Convert): 이름 %SMSRB, 기능 URL 인코딩, 결과 저장 %text.",
        "New task → + → Variables → Variable Convert: name %SMSRB, function URL Encode, store result in %text."),
    "ingest_page.tasker.4": ("+ → 네트워크 → HTTP 요청(HTTP Request): 방법 POST, URL은 이 회선의 URL:",
                             "+ → Net → HTTP Request: method POST, URL: this line's URL:"),
    "ingest_page.tasker.5": ("헤더와 본문을 다음과 같이 적습니다 (%SMSRF는 보낸 번호):",
                             "Headers and body as below (%SMSRF is the sender):"),
    "ingest_page.macrodroid.title": ("Android: MacroDroid", "Android: MacroDroid"),
    "ingest_page.macrodroid.1": (
        "매크로 추가 → 트리거: 문자 수신(SMS Received), 보낸 사람은 모든 번호, 내용 '포함'에 아래 단어 중 "
        "하나 (단어마다 트리거를 하나씩 추가):",
        "Add macro → Trigger: SMS Received, any number, content 'contains' one of these words (one trigger per "
        "word):"),
    "ingest_page.macrodroid.2": ("동작: 웹 연동 → HTTP 요청(HTTP Request), 방법 POST, URL은 이 회선의 URL:",
                                 "Action: Web Interactions → HTTP Request, method POST, URL: this line's URL:"),
    "ingest_page.macrodroid.3": ("본문(Body): 콘텐츠 유형 text/plain, 내용은 매직 텍스트 [sms_message]:",
                                 "Body: content type text/plain, content the magic text [sms_message]:"),
    "ingest_page.ios.title": ("iPhone: 단축어 자동화", "iPhone: a Shortcuts automation"),
    "ingest_page.ios.1": ("단축어 앱 → 자동화 → + (새로운 자동화) → 메시지.",
                          "Shortcuts app → Automation → + (New Automation) → Message."),
    "ingest_page.ios.2": (
        "'메시지에 포함'에 다음 단어를 적고 '즉시 실행'을 고릅니다 (단어마다 자동화를 하나씩 만듭니다):",
        "Under 'Message Contains' enter this word and choose 'Run Immediately' (one automation per word):"),
    "ingest_page.ios.3": ("새로운 빈 자동화 → 동작 추가 → 'URL 콘텐츠 가져오기', URL은 이 회선의 URL:",
                          "New Blank Automation → Add Action → 'Get Contents of URL', URL: this line's URL:"),
    "ingest_page.ios.4": (
        "'보기 더'를 눌러 방법 POST, 요청 본문 JSON(또는 양식) → 새로운 필드 → 텍스트: 키 text, 값은 "
        "'단축어 입력'(메시지 내용). 키 sender, 값은 단축어 입력의 '보낸 사람'도 더할 수 있습니다.",
        "Tap 'Show More': method POST, request body JSON (or Form) → Add new field → Text: key text, value "
        "'Shortcut Input' (the message's content). Optionally key sender with the input's 'Sender'."),
    # ---- the test box ----
    "ingest_page.test_title": ("테스트 메시지 보내기", "Send a test message"),
    "ingest_page.test_intro": (
        "결제 문자를 붙여 넣고 어떻게 읽히는지 확인하세요. 테스트는 아무것도 저장하지 않습니다.",
        "Paste a payment message to see how it is read. A test stores nothing."),
    "ingest_page.test_text": ("문자 내용", "Message text"),
    "ingest_page.test_sender": ("보낸 번호 (선택)", "Sender (optional)"),
    "ingest_page.test_send": ("테스트 메시지 보내기", "Send test message"),
    "ingest_page.result_title": ("읽은 결과 (저장하지 않음)", "How it was read (not stored)"),
    "ingest_page.result_kind": ("종류", "Kind"),
    "ingest_page.result_amount": ("금액", "Amount"),
    "ingest_page.result_merchant": ("가맹점", "Merchant"),
    "ingest_page.result_time": ("시각", "Time"),
    "ingest_page.kind.charge": ("결제", "Charge"),
    "ingest_page.kind.cancellation": ("결제 취소", "Cancellation"),
    "ingest_page.kind.auth_code": ("인증번호", "Authentication code"),
    "ingest_page.kind.subscription_notice": ("자동결제 안내", "Subscription notice"),
    "ingest_page.kind.ignored": ("결제 아님", "Not a payment"),
    "ingest_page.kind.unrecognised": ("읽지 못함", "Not understood"),
    "ingest_page.note.charge": ("실제로 받으면 이 회선의 결제 내역에 들어가고 알림 규칙이 바로 적용됩니다.",
                                "When it really arrives it becomes a charge on this line and the alert rules run "
                                "at once."),
    "ingest_page.note.cancellation": ("실제로 받으면 같은 금액의 결제를 찾아 취소로 표시합니다.",
                                      "When it really arrives the matching payment is marked cancelled."),
    "ingest_page.note.auth_code": (
        "인증번호 문자는 결제가 아니라 기록만 합니다. 밤에 오거나 몇 분 사이에 여러 번 오면 이상 결제 경고를 "
        "보냅니다.",
        "An authentication code is recorded, never charged. At night, or several within minutes, it raises a "
        "fraud warning."),
    "ingest_page.note.subscription_notice": ("자동결제 안내는 기록만 하고 결제로 치지 않습니다.",
                                             "A subscription notice is recorded, not counted as a charge."),
    "ingest_page.note.ignored": ("결제와 관계없는 문자로 보고 저장하지 않습니다.",
                                 "Not about a payment: nothing would be stored."),
    "ingest_page.note.unrecognised": (
        "읽지 못한 문자는 버리지 않고 가져오기 화면의 보관함에 남습니다. 금액과 가맹점을 한 번 표시하면 "
        "그 발신자의 다음 문자부터 읽습니다.",
        "What cannot be read is kept in the inbox on the import page. Mark its amount and merchant once and "
        "the sender's next messages are read."),
}
