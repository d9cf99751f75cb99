"""Exchange formats: block-lists (RPZ, hosts, CSV, telecom phones), MISP, STIX 2.1, ClaimReview, Atom.

Writers are pure: records and an ``ExportMeta`` in, deterministic text or dicts out. Import the
writer you need from its module (``canhgiac.exports.rpz.to_rpz`` …); only the shared record types
are re-exported here, so importing this package stays cheap.
"""

from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord

__all__ = ["ExportMeta", "IndicatorRecord"]
