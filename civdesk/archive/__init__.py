"""Year-end archive transfer (归档移交) under DA/T 22-2015, DA/T 50-2014 and DA/T 70-2018.

Glossary (one English name per term):

===================  =====================================================
archive item         件 — the filing unit: one material, a main document with
                     its attachments, or a photo group (:mod:`.arrange`)
archival code        档号 ``全宗号-门类代码·年度-保管期限-机构代码-件号`` (:mod:`.codes`)
fonds                全宗号
retention            保管期限: Y 永久, D30 定期30年, D10 定期10年
class                the lowest class a 件号 runs in (年度, 保管期限, 机构)
filing stamp         归档章, drawn on PDF copies (:mod:`.stamp`)
catalogue            归档文件目录 and 文件目录.XML (:mod:`.documents`, :mod:`.xmlfiles`)
carrier              the transfer folder or zip (:mod:`.export`)
four-property check  四性检测: 真实性、完整性、可用性、安全性 (:mod:`.check`)
transfer register    移交登记表
===================  =====================================================

The check runs on a carrier alone (no library); the rest works on an open library.
"""
