"""Every sentence the offline app shows, translated on the server and handed to the page as JSON data
(``json_script``): the app's JavaScript carries no text of its own, so Vietnamese and English come from the
one catalogue (``locale/*/django.po``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Any] = {
    "loading": _("Đang mở ứng dụng…"),
    "offline": _("Không có kết nối: bạn vẫn khảo sát được, phiếu sẽ gửi khi có mạng."),
    "online": _("Đang có kết nối."),
    "no_data": _("Máy chưa có hồ sơ nào. Hãy tải hồ sơ được giao về máy khi có mạng."),
    "download": _("Tải hồ sơ về máy"),
    "downloading": _("Đang tải hồ sơ…"),
    "download_failed": _("Không tải được hồ sơ. Hãy kiểm tra kết nối rồi thử lại."),
    "download_offline": _("Cần có mạng để tải hồ sơ."),
    "download_login": _("Phiên đăng nhập đã hết. Hãy đăng nhập lại rồi tải hồ sơ."),
    "login": _("Đăng nhập"),
    "pin_intro": _("Đặt mã PIN để khoá dữ liệu trên máy. Dữ liệu hộ được mã hoá bằng mã này; quên mã thì phải tải "
                   "lại hồ sơ và các phiếu chưa gửi sẽ mất."),
    "pin_label": _("Mã PIN (ít nhất 6 chữ số)"),
    "pin_repeat": _("Nhập lại mã PIN"),
    "pin_save": _("Lưu mã PIN và mở danh sách hộ"),
    "pin_short": _("Mã PIN phải có ít nhất 6 chữ số."),
    "pin_mismatch": _("Hai lần nhập mã PIN không giống nhau."),
    "unlock_intro": _("Ứng dụng đã khoá. Nhập mã PIN để mở."),
    "unlock": _("Mở khoá"),
    "pin_wrong": _("Mã PIN không đúng. Còn %(left)s lần thử; sau đó dữ liệu trên máy sẽ bị xoá."),
    "wiped_attempts": _("Nhập sai mã PIN quá nhiều lần: dữ liệu trên máy đã bị xoá."),
    "wiped_expired": _("Dữ liệu tải về đã quá %(days)s ngày nên đã bị xoá khỏi máy. Hãy tải lại hồ sơ."),
    "lock": _("Khoá"),
    "logout": _("Đăng xuất"),
    "logout_confirm": _("Đăng xuất sẽ xoá mọi dữ liệu trên máy này, kể cả %(count)s phiếu chưa gửi. Tiếp tục?"),
    "cases_title": _("Hộ được giao khảo sát"),
    "downloaded_at": _("Tải về lúc %(time)s; tự xoá sau ngày %(date)s."),
    "truncated": _("Chỉ tải về %(count)s hồ sơ đầu tiên; hãy gửi xong các phiếu này rồi tải tiếp."),
    "hamlet": _("Thôn/ấp"),
    "open": _("Khảo sát"),
    "back": _("‹ Danh sách hộ"),
    "status_editing": _("đang soạn"),
    "status_waiting": _("đang chờ"),
    "status_sent": _("đã gửi"),
    "status_refused": _("bị từ chối"),
    "status_conflict": _("xung đột"),
    "status_none": _("chưa khảo sát"),
    "member_add": _("Thêm thành viên"),
    "member_remove": _("Xoá thành viên này"),
    "member_number": _("Thành viên %(number)s"),
    "rare_more": _("Câu ít dùng"),
    "saved_on_device": _("Đã lưu trên máy lúc %(time)s."),
    "provisional": _("Kết quả tạm tính trên máy. Kết quả chính thức là kết quả máy chủ phân loại khi nhận phiếu."),
    "result_title": _("Phân loại tạm tính"),
    "result_unknown": _("Chưa xác định được"),
    "result_errors": _("Chưa phân loại được: phiếu còn %(count)s ô cần sửa hoặc trả lời."),
    "result_unavailable": _("Máy chưa có bộ quy tắc của chuẩn này; kết quả sẽ có khi máy chủ nhận phiếu."),
    "deprived": _("Thiếu hụt: %(list)s"),
    "unknown_indicators": _("Chưa đủ thông tin: %(list)s"),
    "explanation": _("Giải thích"),
    "finish": _("Xong, chờ gửi"),
    "finish_errors": _("Phiếu còn ô cần sửa hoặc trả lời; hãy sửa các ô được đánh dấu trước khi gửi."),
    "reopen": _("Sửa tiếp phiếu"),
    "queue_title": _("Phiếu trên máy"),
    "queue_empty": _("Chưa có phiếu nào."),
    "sync": _("Gửi các phiếu đang chờ"),
    "sync_offline": _("Không có kết nối: các phiếu sẽ được gửi khi có mạng."),
    "sync_done": _("Đã gửi xong: %(sent)s phiếu được nhận, %(refused)s bị từ chối, %(conflict)s xung đột."),
    "sync_login": _("Phiên đăng nhập đã hết: phiếu vẫn nằm trên máy. Hãy đăng nhập lại rồi gửi."),
    "sync_failed": _("Máy chủ chưa nhận phiếu (lỗi %(status)s); phiếu vẫn chờ và sẽ được gửi lại."),
    "not_found": _("Không tìm thấy hồ sơ này hoặc bạn không còn được giao khảo sát hộ này."),
    "server_class": _("Máy chủ phân loại: %(class)s"),
    "refused_title": _("Máy chủ từ chối phiếu"),
    "conflict_title": _("Xung đột với bản trên máy chủ"),
    "conflict_field": _("Câu hỏi"),
    "conflict_mine": _("Bản của bạn"),
    "conflict_server": _("Bản trên máy chủ"),
    "conflict_keep_mine": _("Gửi bản của tôi thay cho bản trên máy chủ"),
    "conflict_drop_mine": _("Bỏ bản của tôi, dùng bản trên máy chủ"),
    "conflict_none": _("Hai bản giống nhau ở mọi câu hỏi trên phiếu."),
    "yes": _("Có"),
    "no": _("Không"),
}


def app_messages() -> dict[str, str]:
    return {key: str(value) for key, value in MESSAGES.items()}
