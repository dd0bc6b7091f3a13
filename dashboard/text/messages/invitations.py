"""Messages for members and invitations (issue #14): refusals of the members service, the /invite/<token> page,
the invitation mail and the owner's notices (in-app alert and mail) of every change of a line's members."""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    # ---- refusals of dashboard.services.members
    "invite.bad_email": ("올바른 이메일 주소를 입력하세요.", "Enter a valid e-mail address."),
    "invite.bad_role": ("역할은 보호자 또는 보기 전용 중에서 고르세요.", "Choose guardian or viewer as the role."),
    "invite.self": ("자신의 회선에 자신을 초대할 수는 없습니다.", "You cannot invite yourself to your own line."),
    "invite.already_member": ("이미 이 회선을 함께 보는 사람입니다. 역할은 구성원 목록에서 바꿀 수 있습니다.",
                              "This person already shares this line; change their role in the member list."),
    "invite.too_many": ("초대를 너무 많이 보냈습니다. 한 시간 뒤에 다시 시도하세요.",
                        "Too many invitations sent; try again in an hour."),
    "invite.other_email": ("이 초대는 {email} 주소로 보낸 것입니다. 그 주소의 계정으로 로그인한 뒤 수락하세요.",
                           "This invitation was sent to {email}. Log in with that address's account to accept it."),
    "invite.invalid": ("초대 링크가 올바르지 않습니다. 메일의 링크를 그대로 열었는지 확인하세요.",
                       "This invitation link is not valid. Check that you opened the link from the mail as it is."),
    "invite.expired": ("초대 링크의 유효 기간이 지났습니다. 회선 주인에게 다시 초대해 달라고 하세요.",
                       "This invitation has expired. Ask the line's owner to invite you again."),
    "invite.used": ("이미 사용한 초대 링크입니다.", "This invitation link has already been used."),
    "invite.revoked": ("회선 주인이 취소한 초대입니다.", "The line's owner has withdrawn this invitation."),
    "invite.not_member": ("이 회선의 구성원이 아닙니다.", "This person is not a member of this line."),
    "invite.owner_cannot_leave": ("회선 주인은 자신의 회선에서 나갈 수 없습니다.",
                                  "The owner cannot leave their own line."),
    "invite.no_invitation": ("초대를 찾을 수 없습니다.", "Invitation not found."),
    "invite.sent": ("{email} 주소로 초대 메일을 보냈습니다. 링크는 {days}일 동안 유효합니다.",
                    "Invitation sent to {email}; the link works for {days} days."),
    # ---- roles in a sentence ("… as a guardian")
    "invite.as.guardian": ("보호자로", "as a guardian"),
    "invite.as.viewer": ("보기 전용으로", "as a viewer"),
    "invite.can.guardian": ("결제 내역을 보고, 바로 차단하고, 알림을 받을 수 있습니다. 차단 해제와 한도 올리기에는 "
                            "본인 비밀번호가 필요합니다.",
                            "You can see the charges, block the line at once and receive its alerts; unblocking "
                            "and raising limits need your own password."),
    "invite.can.viewer": ("결제 내역과 청구서를 볼 수만 있습니다.", "You can only view the charges and bills."),
    # ---- the /invite/<token> page
    "invite.title": ("회선 초대", "Line invitation"),
    "invite.intro": ("{inviter}님이 '{line}' 회선을 {as_role} 함께 보자고 초대했습니다.",
                     "{inviter} invited you to share the line '{line}' {as_role}."),
    "invite.for_email": ("받는 주소", "Sent to"),
    "invite.accept": ("초대 수락", "Accept the invitation"),
    "invite.logged_in_as": ("지금 {email} 계정으로 로그인되어 있습니다.", "You are logged in as {email}."),
    "invite.register_first": ("{email} 주소의 계정이 아직 없습니다. 먼저 이 주소로 가입하고 로그인한 뒤, 메일의 초대 "
                              "링크를 다시 열어 수락하세요.",
                              "There is no account for {email} yet. Register with this address first, log in, "
                              "then open the invitation link from the mail again to accept."),
    "invite.register": ("이 주소로 가입하기", "Register with this address"),
    "invite.login": ("로그인", "Log in"),
    "invite.switch": ("다른 계정으로 로그인하려면 먼저 로그아웃하세요.", "To use another account, log out first."),
    "invite.logout": ("로그아웃", "Log out"),
    "invite.refused_title": ("초대를 수락할 수 없습니다", "The invitation cannot be accepted"),
    # ---- the invitation mail (Korean, then English)
    # Subjects short and without user text: Python's header folding drops the space between two encoded words
    # of a long Korean + English subject (checked in tests/http/test_members_mail.py).
    "membermail.invite_subject": ("[마이크로빌] 회선 함께 보기 초대", "[Microbill] An invitation to share a line"),
    "membermail.invite_body": ("{inviter}님이 마이크로빌에서 '{line}' 회선을 {as_role} 함께 보자고 초대했습니다.",
                               "{inviter} invited you to share the line '{line}' on Microbill {as_role}."),
    "membermail.invite_link": ("아래 링크를 열어 수락하세요. 링크는 {days}일 동안, 한 번만 쓸 수 있습니다.",
                               "Open the link below to accept. It works once, for {days} days."),
    "membermail.invite_register": ("아직 계정이 없다면 먼저 이 주소({email})로 가입하고, 로그인한 뒤 위 링크를 다시 "
                                   "여세요.",
                                   "No account yet? Register with this address ({email}) first, log in, then open "
                                   "the link above again."),
    "membermail.invite_ignore": ("모르는 사람의 초대라면 이 메일을 무시하세요. 수락하지 않으면 아무 일도 일어나지 "
                                 "않습니다.",
                                 "If you do not know the sender, ignore this mail: nothing happens unless you "
                                 "accept."),
    # ---- the owner's notices: an in-app alert (kind "member") and a mail
    "alerts.kind.member": ("가족 회선 구성원", "Family line members"),
    "membermail.notice_subject": ("[마이크로빌] 회선 구성원 변경", "[Microbill] Line members changed"),
    "membermail.notice_link": ("구성원은 가족 회선 화면에서 관리할 수 있습니다.",
                               "Manage the members on the family page."),
    "membermail.notice_not_you": ("직접 하지 않은 변경이라면 바로 비밀번호를 바꾸고 그 사람을 내보내세요.",
                                  "If you did not make this change, change your password now and remove the person."),
    "membermail.alert.invite.guardian": ("{email}님을 '{line}' 회선의 보호자로 초대했습니다.",
                                         "You invited {email} to the line '{line}' as a guardian."),
    "membermail.alert.invite.viewer": ("{email}님을 '{line}' 회선의 보기 전용 구성원으로 초대했습니다.",
                                       "You invited {email} to the line '{line}' as a viewer."),
    "membermail.alert.accept.guardian": ("{email}님이 '{line}' 회선에 보호자로 참여했습니다.",
                                         "{email} joined the line '{line}' as a guardian."),
    "membermail.alert.accept.viewer": ("{email}님이 '{line}' 회선에 보기 전용으로 참여했습니다.",
                                       "{email} joined the line '{line}' as a viewer."),
    "membermail.alert.role.guardian": ("'{line}' 회선에서 {email}님의 역할을 보호자로 바꿨습니다.",
                                       "{email} is now a guardian of the line '{line}'."),
    "membermail.alert.role.viewer": ("'{line}' 회선에서 {email}님의 역할을 보기 전용으로 바꿨습니다.",
                                     "{email} is now a viewer of the line '{line}'."),
    "membermail.alert.remove": ("{email}님을 '{line}' 회선에서 내보냈습니다.",
                                "You removed {email} from the line '{line}'."),
    "membermail.alert.leave": ("{email}님이 '{line}' 회선에서 나갔습니다.", "{email} left the line '{line}'."),
    "membermail.alert.revoke": ("{email}님에게 보낸 '{line}' 회선 초대를 취소했습니다.",
                                "You withdrew the invitation of {email} to the line '{line}'."),
}
