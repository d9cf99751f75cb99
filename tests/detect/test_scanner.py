"""The Scanner end to end: obfuscations, explanations, advertising law, lists, claims, URLs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from canhgiac.detect import Scanner, Verdict, check_url, scan_batch, scan_one
from canhgiac.detect.blocklist import ListIndex, Lists
from canhgiac.text.normalize import fold

CASES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "detect" / "messages.yaml").read_text(
        encoding="utf-8"
    )
)


@pytest.mark.parametrize("case", CASES, ids=[c["obfuscation"] for c in CASES])
def test_table_of_messages(case: dict[str, object]) -> None:
    verdict = scan_one(str(case["text"]), sender=case.get("sender"))  # type: ignore[arg-type]
    codes = {r.code for r in verdict.reasons}
    assert verdict.label == case["label"], verdict.to_dict()
    assert set(case.get("codes", [])) <= codes  # type: ignore[arg-type]
    assert (verdict.label == "ok") == (verdict.score < 0.5)


def test_every_rule_span_points_at_the_matched_words_in_the_original() -> None:
    for case in CASES:
        text = str(case["text"])
        for reason in scan_one(text).reasons:
            for start, end in reason.spans:
                assert 0 <= start < end <= len(text)
                if reason.kind == "rule":
                    assert fold(text[start:end]).strip(), (reason, text[start:end])


def test_span_of_a_keyword_in_a_spaced_out_message() -> None:
    text = "Chúc mừng bạn đã t r ú n g  t h ư ở n g xe SH, nộp phí 2 triệu để nhận giải"
    reason = next(r for r in scan_one(text).reasons if r.code == "fake_prize")
    covered = [text[a:b] for a, b in reason.spans]
    assert "t r ú n g  t h ư ở n g" in covered


def test_verdict_to_dict_is_json_with_the_contract_keys() -> None:
    verdict = scan_one("Ban da trung thuong xe SH, nop phi 2 trieu tai qua-tang.top de nhan giai")
    data = json.loads(json.dumps(verdict.to_dict(), ensure_ascii=False))
    assert set(data) == {"label", "score", "categories", "indicators", "reasons"}
    assert data["indicators"][0]["kind"] in ("url", "domain")
    assert {"kind", "code", "message", "weight", "spans"} <= set(data["reasons"][0])


def test_batch_matches_one_by_one_and_keeps_order() -> None:
    texts = [str(c["text"]) for c in CASES]
    batch = scan_batch(texts)
    assert [v.label for v in batch] == [scan_one(t).label for t in texts]
    assert [round(v.score, 6) for v in batch] == [round(scan_one(t).score, 6) for t in texts]


def test_senders_must_match_texts() -> None:
    with pytest.raises(ValueError):
        Scanner().scan_batch(["a", "b"], senders=["X"])


def test_empty_batch_and_empty_message() -> None:
    assert Scanner().scan_batch([]) == []
    assert scan_one("").label == "ok"


# --- advertising law (Decree 91/2020/NĐ-CP) ------------------------------------------------------

AD = "Shopee siêu sale 12.12 giảm giá đến 50%, freeship mọi đơn, mua ngay!"
LAWFUL = "[QC] " + AD + " Từ chối QC soạn TC gửi 9241."


def _codes(v: Verdict) -> set[str]:
    return {r.code for r in v.reasons}


@pytest.mark.parametrize(
    ("text", "sender", "label", "code"),
    [
        (LAWFUL, "SHOPEE", "ok", "decree_91_2020"),
        ("QC: " + AD + " Huy QC soan HUY gui 9xxx", "Vietjet", "ok", "decree_91_2020"),
        (LAWFUL, None, "ok", "decree_91_2020"),
        (AD, "SHOPEE", "spam", "ad_unmarked"),
        (AD, None, "spam", "ad_unmarked"),
        (LAWFUL, "0912345678", "spam", "ad_from_personal_number"),
        (
            "Ưu đãi gói 5G chỉ 10.000đ/ngày, giảm giá 50%, đăng ký ngay soạn DK gửi 191",
            "Viettel",
            "ok",
            "decree_91_2020",
        ),
        (
            "Ưu đãi gói 5G chỉ 10.000đ/ngày, giảm giá 50%, đăng ký ngay soạn DK gửi 191",
            "191",
            "ok",
            "decree_91_2020",
        ),
    ],
)
def test_lawful_and_unlawful_advertising(
    text: str, sender: str | None, label: str, code: str
) -> None:
    verdict = scan_one(text, sender=sender)
    assert verdict.label == label, verdict.to_dict()
    assert code in _codes(verdict)


def test_banned_goods_are_spam_even_with_every_lawful_mark() -> None:
    text = "[QC] Nhà cái uy tín, nạp đầu tặng 100%, nổ hũ cực dễ. Từ chối QC soạn TC gửi 9241."
    verdict = scan_one(text, sender="SAOVIP")
    assert verdict.label == "spam"
    assert "decree_91_2020" not in _codes(verdict)


def test_lawful_marks_do_not_excuse_a_scam() -> None:
    text = "[QC] Vietcombank: tài khoản của quý khách bị tạm khóa, xác thực tại vcb-xacthuc.com. Từ chối QC soạn TC gửi 9241."
    assert scan_one(text, sender="Vietcombank").label == "scam"


def test_lawful_ad_reason_has_negative_weight() -> None:
    reason = next(r for r in scan_one(LAWFUL, sender="SHOPEE").reasons if r.kind == "lawful_ad")
    assert reason.weight < 0


# --- lists, look-alikes, claims --------------------------------------------------------------------


def _lists(block: Sequence[tuple[str, str]] = (), allow: Sequence[tuple[str, str]] = ()) -> Lists:
    b, a = ListIndex("block"), ListIndex("allow")
    for kind, value in block:
        b.add(kind, value, "test")
    for kind, value in allow:
        a.add(kind, value, "test")
    return Lists(block=b, allow=a)


def test_blocklisted_phone_makes_a_scam() -> None:
    scanner = Scanner(lists=_lists(block=[("phone", "0912345678")]))
    verdict = scanner.scan_one("Chị gọi lại cho em số 0912 345 678 nhé")
    assert verdict.label == "scam"
    reason = next(r for r in verdict.reasons if r.kind == "blocklist")
    a, b = reason.spans[0]
    assert "Chị gọi lại cho em số 0912 345 678 nhé"[a:b] == "0912 345 678"


def test_allowlisted_domain_wins_over_the_url_checks() -> None:
    scanner = Scanner(
        lists=_lists(block=[("domain", "example-bank.com")], allow=[("domain", "example-bank.com")])
    )
    verdict = scanner.scan_one("Xem lịch tại example-bank.com")
    kinds = {r.kind for r in verdict.reasons}
    assert "allowlist" in kinds and "blocklist" not in kinds and "url_model" not in kinds


def test_lookalike_domain_is_explained() -> None:
    verdict = scan_one("Cap nhat thong tin tai vietcombank-vn.com ngay")
    look = [r for r in verdict.reasons if r.kind == "lookalike"]
    assert look and look[0].code == "vietcombank.com.vn"
    assert "phishing" in verdict.categories


class _Claims:
    def match(self, text: str) -> list[tuple[str, float]]:
        return [("claim-42", 0.9)] if "muối i-ốt" in text else [("claim-7", 0.2)]


def test_claim_matcher_adds_false_info() -> None:
    scanner = Scanner(claim_matcher=_Claims())
    verdict = scanner.scan_one("Uống nước muối i-ốt chữa khỏi bệnh, chia sẻ ngay cho mọi người")
    assert "claim-42" in _codes(verdict)
    assert "false_info" in verdict.categories
    assert "claim-7" not in _codes(scanner.scan_one("Hôm nay trời đẹp"))


# --- URLs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ("vietcombank-xacthuc.com", {"malicious", "suspicious"}),
        ("hxxps://vcb-digibank-xacminh[.]top/login", {"malicious", "suspicious"}),
        ("google.com", {"benign"}),
        ("https://dichvucong.gov.vn/p/home", {"benign"}),
        ("not a url at all", {"benign"}),
    ],
)
def test_check_url(value: str, verdict: set[str]) -> None:
    result = check_url(value)
    assert result.verdict in verdict, result.to_dict()
    data = result.to_dict()
    assert set(data) == {"input", "domain", "registered_domain", "verdict", "score", "reasons"}


def test_check_url_blocklist_is_malicious() -> None:
    scanner = Scanner(lists=_lists(block=[("domain", "evil-site.com")]))
    result = scanner.check_url("http://login.evil-site.com/a")
    assert result.verdict == "malicious"
    assert result.registered_domain == "evil-site.com"


def test_repeated_messages_are_judged_once_per_sender() -> None:
    ad = "Shopee siêu sale giảm giá 50%, freeship, mua ngay!"
    verdicts = Scanner().scan_batch([ad, ad, ad], senders=["SHOPEE", "0912345678", "SHOPEE"])
    assert verdicts[0] is verdicts[2]
    assert verdicts[1].label == "spam" and verdicts[0] is not verdicts[1]


def test_the_project_claim_matcher_plugs_in() -> None:
    from canhgiac.detect.claims import ClaimMatcher as ProjectMatcher

    matcher = ProjectMatcher()
    matcher.add_many([("c1", "Uống nước chanh muối chữa khỏi ung thư giai đoạn cuối")])
    verdict = Scanner(claim_matcher=matcher).scan_one(
        "uong nuoc chanh muoi chua khoi ung thu giai doan cuoi"
    )
    assert "c1" in _codes(verdict) and "false_info" in verdict.categories
