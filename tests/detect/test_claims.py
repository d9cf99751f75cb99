"""Known-claim matching: paraphrases find their claim, unrelated messages find nothing."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable

import pytest

from canhgiac.detect.claims import (
    ClaimMatch,
    ClaimMatcher,
    load_seed_claims,
    matcher_from_claims,
)


def _fold() -> Callable[[str], str]:
    try:
        from canhgiac.text.normalize import fold

        return fold
    except ImportError:  # normalize.py not merged yet

        def local(text: str) -> str:
            text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
            plain = "".join(c for c in text if not unicodedata.combining(c))
            return " ".join(plain.lower().split())

        return local


FOLD = _fold()


@pytest.fixture(scope="module")
def seed_matcher() -> ClaimMatcher:
    return matcher_from_claims(load_seed_claims(), fold=FOLD)


# Wordings not in seed.yaml: prefixes, no tone marks, reordered clauses, a few words changed.
PARAPHRASES = [
    (
        "Nóng: chia sẻ gấp! Uong nuoc chanh nong moi sang tieu diet te bao ung thu, "
        "hieu qua gap 10000 lan hoa tri",
        "health-lemon-cancer",
    ),
    (
        "cả thị trấn sơ tán gấp vì đập thủy điện đầu nguồn sắp vỡ, nước lũ đổ về trong đêm nay",
        "dam-break-evacuate-tonight",
    ),
    (
        "Từ ngày 1/10 nhà mạng khóa SIM các thuê bao chưa chuẩn hóa ảnh chân dung, "
        "bấm vào link để cập nhật ngay",
        "sim-lock-photo-link",
    ),
    (
        "Thẻ căn cước công dân gắn chip sẽ bị thu hồi hết, không đổi sang thẻ căn cước mới "
        "trước ngày 1/7 sẽ bị phạt",
        "id-card-chip-revoked",
    ),
    (
        "CHIA SẺ NGAY: có xe ô tô bắt cóc trẻ em rình ở cổng trường tiểu học, "
        "đã bắt đi 2 cháu, phụ huynh đón con sớm",
        "school-kidnapping-van",
    ),
    (
        "nha nuoc ho tro moi nguoi dan 2 trieu dong, dang ky nhan tien ho tro qua duong link "
        "truoc ngay 15",
        "support-money-2-million-link",
    ),
    (
        "Alo, công an thông báo anh liên quan đến đường dây rửa tiền, phải chuyển toàn bộ tiền "
        "vào tài khoản tạm giữ để chứng minh trong sạch",
        "police-money-laundering-safe-account",
    ),
    (
        "Tin khẩn: ngân hàng thông báo tài khoản quý khách bị tạm khóa vì chưa cập nhật sinh "
        "trắc học, truy cập đường link sau để xác thực",
        "bank-account-frozen-update-link",
    ),
]

UNRELATED = [
    "Chúc mừng sinh nhật em, tối nay cả nhà đi ăn lẩu nhé",
    "Quý khách đã thanh toán thành công hóa đơn tiền điện tháng 10. Cảm ơn quý khách.",
    "Ma OTP cua ban la 482913. Khong chia se ma nay cho bat ky ai.",
    "Đơn hàng SPX123456 đang được giao, shipper sẽ gọi cho bạn trong hôm nay",
    "Lịch họp giao ban tuần này chuyển sang 14 giờ chiều thứ Ba tại hội trường UBND huyện",
    "Trường tiểu học thông báo lịch họp phụ huynh đầu năm vào sáng chủ nhật",
    "Mẹ ơi con về muộn, con đang ôn thi với bạn ở thư viện",
    "",
    "!!! ??? ...",
]


@pytest.mark.parametrize(("text", "claim_id"), PARAPHRASES)
def test_paraphrase_matches_its_claim(seed_matcher: ClaimMatcher, text: str, claim_id: str) -> None:
    matches = seed_matcher.match(text)
    assert matches, f"no match for {text!r}"
    assert matches[0].claim_id == claim_id
    assert seed_matcher.threshold <= matches[0].similarity <= 1.0
    assert matches == seed_matcher.match_brute_force(text)


@pytest.mark.parametrize("text", UNRELATED)
def test_unrelated_message_matches_nothing(seed_matcher: ClaimMatcher, text: str) -> None:
    assert seed_matcher.match(text) == []
    assert seed_matcher.match_brute_force(text) == []


def test_claim_buried_in_long_message_is_found(seed_matcher: ClaimMatcher) -> None:
    # Many distinct words, so the whole message is far from the claim in Jaccard terms.
    filler = " ".join(f"thôn{i} bản{i} ruộng{i}" for i in range(60))
    claim = "đập thủy điện đầu nguồn sắp vỡ, nước lũ sẽ đổ về thị trấn trong đêm nay"
    text = f"{filler}. {claim}. {filler}"
    assert [m.claim_id for m in seed_matcher.match(text)][:1] == ["dam-break-evacuate-tonight"]


def test_exact_claim_text_scores_one(seed_matcher: ClaimMatcher) -> None:
    claim = load_seed_claims()[0]
    assert seed_matcher.match(claim.text)[0] == ClaimMatch(claim.id, 1.0)


def test_results_best_first_limited_and_above_threshold() -> None:
    m = ClaimMatcher(threshold=0.3, fold=FOLD)
    m.add("a", "một hai ba bốn năm sáu bảy tám chín mười")
    m.add("b", "một hai ba bốn năm sáu bảy tám khác xa")
    m.add("c", "một hai ba bốn năm khác hẳn nhau luôn rồi")
    q = "một hai ba bốn năm sáu bảy tám chín mười"
    got = m.match(q, limit=3)
    assert [x.claim_id for x in got] == ["a", "b", "c"]
    assert [x.similarity for x in got] == sorted((x.similarity for x in got), reverse=True)
    assert m.match(q, limit=1) == got[:1]
    assert m.match(q, limit=0) == []


def test_paraphrases_share_one_id_and_remove_forgets_all() -> None:
    m = ClaimMatcher(fold=FOLD)
    m.add("x", "uống nước chanh nóng chữa khỏi ung thư giai đoạn cuối")
    m.add("x", "tỏi sống ngâm rượu trị dứt điểm bệnh gan nhiễm mỡ")
    m.add("y", "động đất mạnh sẽ xảy ra lúc hai giờ sáng nay")
    assert len(m) == 2
    assert m.match("tỏi sống ngâm rượu trị dứt điểm bệnh gan nhiễm mỡ")[0].claim_id == "x"
    m.remove("x")
    assert len(m) == 1
    assert "x" not in m
    assert m.match("tỏi sống ngâm rượu trị dứt điểm bệnh gan nhiễm mỡ") == []
    assert m.match_brute_force("uống nước chanh nóng chữa khỏi ung thư giai đoạn cuối") == []
    m.remove("unknown")  # ignored
    assert m.match("động đất mạnh sẽ xảy ra lúc hai giờ sáng nay")[0].claim_id == "y"


@pytest.mark.parametrize(
    "kwargs", [{"threshold": 0.0}, {"threshold": 1.5}, {"num_perm": 1}, {"shingle": 0}]
)
def test_bad_parameters_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ClaimMatcher(fold=FOLD, **kwargs)  # type: ignore[arg-type]


def test_lsh_agrees_with_brute_force_on_synthetic_paraphrases() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(3000)]
    weights = [1.0 / (r + 10) for r in range(len(vocab))]
    claims = [
        " ".join(rng.choices(vocab, weights=weights, k=rng.randint(12, 25))) for _ in range(3000)
    ]
    m = ClaimMatcher(fold=FOLD)
    m.add_many((f"c{i}", t) for i, t in enumerate(claims))
    agree = total = 0
    for i in rng.sample(range(len(claims)), 150):
        words = claims[i].split()
        cut = len(words) // 2
        words = words[cut:] + words[:cut]
        for _ in range(2):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        q = "Nóng: " + " ".join(words)
        brute = m.match_brute_force(q, limit=1)
        if brute:
            total += 1
            agree += m.match(q, limit=1) == brute
    assert total >= 140
    assert agree / total >= 0.95


# --- the shipped knowledge base --------------------------------------------------------------

POLITICAL = re.compile(r"\b(đảng|tôn giáo|bầu cử|biểu tình|phản động|chế độ|nhà thờ|chùa)\b", re.I)


def test_seed_knowledge_base_is_complete_and_safe() -> None:
    claims = load_seed_claims()
    assert len(claims) >= 15
    assert len({c.id for c in claims}) == len(claims)
    for c in claims:
        assert c.verdict in {"false", "misleading"}
        assert c.paraphrases, c.id
        assert c.correction and c.source_type, c.id
        assert c.source_reference == "", "the district fills the source; never invent one"
        for text in (c.text, *c.paraphrases, c.correction):
            assert not POLITICAL.search(text), (c.id, text)
            assert "http" not in text and "www." not in text, c.id
        assert FOLD(c.correction) != c.correction.lower(), "correction needs Vietnamese diacritics"
    topics = {c.topic for c in claims}
    assert {
        "health",
        "identity_card",
        "telecom",
        "disaster",
        "support_money",
        "child_safety",
    } <= topics


def test_each_seed_claim_is_its_own_best_match(seed_matcher: ClaimMatcher) -> None:
    for c in load_seed_claims():
        for text in (c.text, *c.paraphrases):
            assert seed_matcher.match(text, limit=1)[0].claim_id == c.id, text


def test_default_matcher_uses_project_fold() -> None:
    pytest.importorskip("canhgiac.text.normalize")
    m = ClaimMatcher()
    m.add("x", "Uống nước chanh nóng chữa khỏi ung thư giai đoạn cuối")
    assert [
        r.claim_id for r in m.match("uong nuoc chanh nong chua khoi ung thu giai doan cuoi")
    ] == ["x"]
