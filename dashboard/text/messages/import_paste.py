"""/import: a table pasted from the carrier's page instead of a file (data/importing/paste.py)."""

MESSAGES = {
    "import_paste.tab_file": ("파일 올리기", "Upload a file"),
    "import_paste.tab_paste": ("표 붙여넣기", "Paste a table"),
    "import_paste.tabs": ("가져올 방법", "How to import"),
    "import_paste.label": ("통신사 이용내역 표", "Your carrier's payment history table"),
    "import_paste.hint": (
        "통신사 웹·앱의 소액결제 이용내역 화면에서 표를 머리글 줄(이용일시, 이용업체명, 금액…)부터 마지막 줄까지 "
        "끌어서 선택하고 복사(Ctrl+C)한 뒤 위 칸에 붙여 넣으세요(Ctrl+V). 엑셀에 옮기거나 파일로 저장하지 않아도 "
        "됩니다. 최대 {limit}.",
        "On your carrier's payment history page, select the table from its header row (date, merchant, "
        "amount…) to its last row, copy it (Ctrl+C) and paste it above (Ctrl+V). No need for Excel or a file. "
        "Up to {limit}.",
    ),
    "import_paste.preview": ("미리보기", "Preview"),
    "import_paste.source": ("붙여넣은 표", "Pasted table"),
    "import_paste.failed": ("붙여 넣은 표를 가져오지 못했습니다. 아무것도 저장되지 않았습니다.",
                            "The pasted table was not imported. Nothing was saved."),
    "import_paste.whole": ("붙여넣은 표", "Pasted table"),
    "import_paste.too_large": ("붙여 넣은 내용이 너무 큽니다 (최대 {limit}). 기간을 나눠 붙여 넣어 주세요.",
                               "The pasted text is too large (max {limit}). Split the period and paste the parts."),
    "import_paste.err.empty": ("붙여 넣은 내용이 없습니다. 통신사 이용내역 표를 복사해 위 칸에 붙여 넣어 주세요.",
                               "Nothing was pasted. Copy your carrier's history table and paste it above."),
    "import_paste.err.binary": (
        "붙여 넣은 내용이 글자가 아닙니다 (그림이나 파일 내용으로 보입니다). "
        "이용내역 표를 글자로 복사해 붙여 넣어 주세요.",
        "The pasted content is not text (it looks like an image or a file's bytes). Copy the history table as "
        "text and paste it.",
    ),
    "import_paste.err.no_table": (
        "붙여 넣은 내용에서 표를 찾지 못했습니다: 줄마다 값이 하나뿐입니다. 웹 페이지의 표를 그대로 선택해 복사하면 "
        "칸이 탭으로 나뉩니다 (두 칸 이상의 공백도 됩니다).",
        "No table found in the pasted text: every line holds a single value. Copying the web page's table as it "
        "is separates the cells with tabs (two or more spaces also work).",
    ),
    "import_paste.err.no_header": (
        "표의 머리글 줄(이용일시, 이용업체명, 금액…)이 없습니다. 머리글 줄부터 함께 선택해 복사해 주세요.",
        "The table's header row (date, merchant, amount…) is missing. Select it too when you copy.",
    ),
    "import_paste.err.no_rows": (
        "머리글 아래에 결제 내역 행이 없습니다. 표의 마지막 줄까지 선택해 복사해 주세요.",
        "There are no payment rows below the header. Select the table down to its last row when you copy.",
    ),
}
