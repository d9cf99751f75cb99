"""Common Vietnamese teencode and SMS abbreviations, as folded (lower-case, no diacritics) words."""

from __future__ import annotations

# Keys and values are already folded. Only whole tokens are expanded. Ambiguous one-letter words
# ("a", "e", "v") are left alone because they are also ordinary words or initials.
TEENCODE: dict[str, str] = {
    # không
    "k": "khong", "ko": "khong", "kg": "khong", "khg": "khong", "hok": "khong", "hk": "khong",
    "khum": "khong",
    # được, đăng ký
    "dc": "duoc", "dk": "dang ky", "dky": "dang ky", "dduoc": "duoc",
    # money and accounts
    "tk": "tai khoan", "stk": "so tai khoan", "ck": "chuyen khoan", "gd": "giao dich",
    "tr": "trieu",
    # contact
    "sdt": "so dien thoai", "dt": "dien thoai", "dthoai": "dien thoai", "lh": "lien he",
    "lhe": "lien he", "nt": "nhan tin", "ib": "inbox", "kb": "ket ban", "zl": "zalo",
    # people
    "kh": "khach hang", "qk": "quy khach", "ac": "anh chi", "a/c": "anh chi", "ae": "anh em",
    "mn": "moi nguoi",
    "mng": "moi nguoi", "ng": "nguoi", "bn": "ban", "mk": "minh", "nv": "nhan vien",
    "ctv": "cong tac vien", "cty": "cong ty",
    # everyday words
    "j": "gi", "gj": "gi", "r": "roi", "rui": "roi", "vs": "voi", "ms": "moi", "lm": "lam",
    "ns": "noi", "bik": "biet", "trc": "truoc", "ntn": "nhu the nao",
    "bjo": "bay gio", "bh": "bao gio", "hnay": "hom nay", "hqua": "hom qua", "tgian": "thoi gian",
    "thik": "thich", "iu": "yeu", "km": "khuyen mai", "qc": "quang cao",
}  # fmt: skip
