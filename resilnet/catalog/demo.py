# ruff: noqa: S311
# (S311: reproducible demo data wants a seeded generator, not a cryptographic one.)
"""Demo catalog: a few hundred realistic but fictional records, loaded through the services.

Every text is composed from the phrase tables below, written for this demo in the six UN
languages; no text comes from a real source and no real person is named. Links point to
example.org, DOIs use the reserved test prefix 10.5555 and ISBNs the visibly made-up
registrant 978-0-0000.

Record `demo:{n}` is always planned the same way for a given seed, whatever `size` is:
collections and original languages are dealt in shuffled blocks of 20, statuses in
shuffled blocks of 100, everything else comes from a generator seeded with (seed, n). So
loading 120 records and later 300 extends the same catalog, and a second run with the
same arguments creates nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from resilnet.catalog import permissions, services
from resilnet.catalog.models import Record
from resilnet.catalog.taxonomy import (
    Audience,
    AuthorityType,
    Binding,
    Collection,
    MeasureCategory,
    MeasureStatus,
    Phase,
    ProjectStatus,
    ResourceType,
    Scope,
    StakeholderType,
    Status,
)
from resilnet.core import selectors as core_selectors
from resilnet.core.models import User

Text = dict[str, str]
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh-hans")
EXTERNAL_PREFIX = "demo:"
OWNER_USERNAME = "contributor"
MODERATOR_USERNAME = "moderator"
CHUNK = 25  # records per transaction: fast on SQLite, short locks for other writers
FIRST_DAY = dt.date(2020, 3, 1)
LAST_DAY = dt.date(2024, 12, 31)

# A published record whose owner proposed an edit that waits for moderation.
PENDING_EDIT = "pending_edit"


def tr(en: str, fr: str, es: str, ar: str, ru: str, zh: str) -> Text:
    return {"en": en, "fr": fr, "es": es, "ar": ar, "ru": ru, "zh-hans": zh}


# Shares ------------------------------------------------------------------------------

# Per block of 20 records: 40% measures, 25% cases, 10% resources, 10% news, 5% each
# podcast episodes, videos and reports.
COLLECTION_BLOCK = (
    [Collection.MEASURE] * 8
    + [Collection.CASE] * 5
    + [Collection.RESOURCE] * 2
    + [Collection.NEWS] * 2
    + [Collection.PODCAST, Collection.VIDEO, Collection.REPORT]
)
# Per block of 20: 65% English, 10% French, 10% Spanish, 5% Arabic, Russian, Chinese.
LANGUAGE_BLOCK = ["en"] * 13 + ["fr", "fr", "es", "es", "ar", "ru", "zh-hans"]
# Per block of 100: 5% submitted, 2% changes requested, 3% drafts, 90% published of
# which 5 carry a submitted edit.
STATUS_BLOCK = (
    [Status.SUBMITTED] * 5
    + [Status.CHANGES_REQUESTED] * 2
    + [Status.DRAFT] * 3
    + [PENDING_EDIT] * 5
    + [Status.PUBLISHED] * 85
)
TRANSLATED_SHARE = 0.2

# Countries ---------------------------------------------------------------------------

# English-language records: ITU region first, then a country, LDCs and SIDS weighted up.
REGION_WEIGHTS = {
    "africa": 26,
    "asia_pacific": 26,
    "americas": 18,
    "europe": 14,
    "arab_states": 10,
    "cis": 6,
}
LDC_SIDS_WEIGHT = 3
# Records written in another language come from countries where it is widely used.
COUNTRIES_BY_LANGUAGE = {
    "fr": (
        "BEN BFA BDI CAF CIV CMR COD COG GAB GIN MDG MLI NER RWA SEN TCD TGO "
        "COM DJI DZA MAR MRT TUN LBN FRA BEL CHE LUX HTI CAN VUT"
    ).split(),
    "es": "ARG BOL CHL COL CRI CUB DOM ECU GTM HND MEX NIC PAN PER PRY SLV URY VEN ESP GNQ".split(),
    "zh-hans": ["CHN", "CHN", "CHN", "SGP"],
}
REGION_BY_LANGUAGE = {"ar": "arab_states", "ru": "cis"}

# Shared phrases ------------------------------------------------------------------------

CLOSINGS = {
    "en": (
        "This entry was compiled from public announcements.",
        "Further details are available on the organisation's website.",
        "The entry will be updated when an evaluation is published.",
    ),
    "fr": (
        "Cette fiche a été établie à partir d'annonces publiques.",
        "Des précisions sont disponibles sur le site de l'organisation.",
        "La fiche sera mise à jour lors de la publication d'une évaluation.",
    ),
    "es": (
        "Esta ficha se elaboró a partir de anuncios públicos.",
        "Hay más detalles en el sitio web de la organización.",
        "La ficha se actualizará cuando se publique una evaluación.",
    ),
    "ar": (
        "أُعدّ هذا السجل استناداً إلى إعلانات عامة.",
        "تتوفر تفاصيل إضافية على الموقع الإلكتروني للجهة المعنية.",
        "سيُحدَّث هذا السجل عند نشر تقييم.",
    ),
    "ru": (
        "Запись составлена на основе публичных объявлений.",
        "Подробности доступны на сайте организации.",
        "Запись будет обновлена после публикации оценки.",
    ),
    "zh-hans": (
        "本条目根据公开公告整理。",
        "详细信息可在该机构网站上查阅。",
        "评估报告发布后将更新本条目。",
    ),
}
EDITION = tr(
    "{t} ({year} edition)",
    "{t} (édition {year})",
    "{t} (edición {year})",
    "{t} (إصدار {year})",
    "{t} (редакция {year} года)",
    "{t}（{year}年版）",
)

# Measures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    subject: Text  # the start of a sentence: "The national regulatory authority"
    name: Text  # the `authority` field


AUTHORITIES: dict[str, Authority] = {
    AuthorityType.REGULATOR: Authority(
        tr(
            "The national regulatory authority",
            "L'autorité nationale de régulation",
            "La autoridad reguladora nacional",
            "الهيئة الوطنية لتنظيم الاتصالات",
            "Национальный регулятор",
            "国家电信监管机构",
        ),
        tr(
            "Communications Regulatory Authority",
            "Autorité de régulation des communications",
            "Autoridad Reguladora de Telecomunicaciones",
            "هيئة تنظيم الاتصالات",
            "Агентство по регулированию связи",
            "通信管理局",
        ),
    ),
    AuthorityType.MINISTRY: Authority(
        tr(
            "The ministry responsible for ICT",
            "Le ministère chargé du numérique",
            "El ministerio de tecnologías de la información y las comunicaciones",
            "وزارة الاتصالات وتكنولوجيا المعلومات",
            "Министерство цифрового развития",
            "信息通信主管部门",
        ),
        tr(
            "Ministry of ICT",
            "Ministère de l'Économie numérique",
            "Ministerio de Tecnologías de la Información y las Comunicaciones",
            "وزارة الاتصالات وتكنولوجيا المعلومات",
            "Министерство цифрового развития и связи",
            "信息通信主管部门",
        ),
    ),
    AuthorityType.OPERATOR: Authority(
        tr(
            "The largest mobile operator",
            "Le principal opérateur mobile",
            "El principal operador móvil",
            "شركة الاتصالات المتنقلة الرئيسية",
            "Крупнейший оператор мобильной связи",
            "最大的移动运营商",
        ),
        tr(
            "Incumbent mobile operator",
            "Opérateur mobile historique",
            "Operador móvil principal",
            "شركة الاتصالات المتنقلة الرئيسية",
            "Ведущий оператор мобильной связи",
            "主要移动运营商",
        ),
    ),
    AuthorityType.INDUSTRY_BODY: Authority(
        tr(
            "The association of mobile operators",
            "L'association des opérateurs mobiles",
            "La asociación de operadores móviles",
            "رابطة مشغلي الهواتف المتنقلة",
            "Ассоциация операторов мобильной связи",
            "移动运营商协会",
        ),
        tr(
            "Mobile Operators Association",
            "Association des opérateurs mobiles",
            "Asociación de Operadores Móviles",
            "رابطة مشغلي الهواتف المتنقلة",
            "Ассоциация операторов мобильной связи",
            "移动运营商协会",
        ),
    ),
    AuthorityType.INTERNATIONAL: Authority(
        tr(
            "The regional telecommunications organisation",
            "L'organisation régionale des télécommunications",
            "La organización regional de telecomunicaciones",
            "المنظمة الإقليمية للاتصالات",
            "Региональная организация электросвязи",
            "区域电信组织",
        ),
        tr(
            "Regional Telecommunications Organisation",
            "Organisation régionale des télécommunications",
            "Organización Regional de Telecomunicaciones",
            "المنظمة الإقليمية للاتصالات",
            "Региональная организация электросвязи",
            "区域电信组织",
        ),
    ),
    AuthorityType.OTHER: Authority(
        tr(
            "The national emergency committee",
            "Le comité national de gestion de crise",
            "El comité nacional de emergencia",
            "اللجنة الوطنية لإدارة الطوارئ",
            "Национальный штаб по чрезвычайным ситуациям",
            "国家应急委员会",
        ),
        tr(
            "National Emergency Committee",
            "Comité national de gestion de crise",
            "Comité Nacional de Emergencia",
            "اللجنة الوطنية لإدارة الطوارئ",
            "Национальный штаб по чрезвычайным ситуациям",
            "国家应急委员会",
        ),
    ),
}

STAKEHOLDERS = {
    "operators": tr(
        "Telecommunication operators",
        "Opérateurs de télécommunications",
        "Operadores de telecomunicaciones",
        "مشغلو الاتصالات",
        "Операторы связи",
        "电信运营商",
    ),
    "consumers": tr(
        "Residential subscribers",
        "Abonnés résidentiels",
        "Abonados residenciales",
        "المشتركون من الأفراد",
        "Абоненты — физические лица",
        "住宅用户",
    ),
    "health": tr(
        "Health facilities and patients",
        "Établissements de santé et patients",
        "Centros de salud y pacientes",
        "المرافق الصحية والمرضى",
        "Медицинские учреждения и пациенты",
        "医疗机构和患者",
    ),
    "students": tr(
        "Students and schools",
        "Élèves et établissements scolaires",
        "Estudiantes y escuelas",
        "الطلاب والمدارس",
        "Учащиеся и школы",
        "学生和学校",
    ),
    "public": tr(
        "General public",
        "Grand public",
        "Público en general",
        "عامة الجمهور",
        "Население",
        "公众",
    ),
}


@dataclass(frozen=True)
class Action:
    category: str
    authorities: tuple[str, ...]
    title: Text  # a noun phrase: "Suspension of disconnections for unpaid bills"
    verb: Text  # what the authority does: "suspends disconnections of …"
    stakeholder: str
    tags: tuple[str, ...]
    voluntary: bool = False  # voluntary even when a regulator or ministry acts
    code: str = ""


REG, MIN, OPR, IND, INTL, OTH = (
    AuthorityType.REGULATOR,
    AuthorityType.MINISTRY,
    AuthorityType.OPERATOR,
    AuthorityType.INDUSTRY_BODY,
    AuthorityType.INTERNATIONAL,
    AuthorityType.OTHER,
)

ACTIONS = (
    Action(
        MeasureCategory.CONSUMER_PROTECTION,
        (REG, MIN, OPR, IND, OTH),
        tr(
            "Suspension of disconnections for unpaid bills",
            "Suspension des coupures pour factures impayées",
            "Suspensión de los cortes por falta de pago",
            "تعليق قطع الخدمة بسبب الفواتير غير المسددة",
            "Приостановка отключений за неоплаченные счета",
            "暂停因欠费停机",
        ),
        tr(
            "suspends disconnections of customers who cannot pay their bills",
            "suspend les coupures des abonnés qui ne peuvent pas payer leurs factures",
            "suspende los cortes de servicio a los abonados que no pueden pagar sus facturas",
            "تعلق قطع الخدمة عن المشتركين العاجزين عن سداد فواتيرهم",
            "приостанавливает отключение абонентов, которые не могут оплатить счета",
            "暂停对无力缴费用户的停机",
        ),
        "consumers",
        ("disconnections", "affordability"),
    ),
    Action(
        MeasureCategory.CONSUMER_PROTECTION,
        (REG, MIN, OPR, IND, OTH),
        tr(
            "Zero-rating of official health information sites",
            "Gratuité de l'accès aux sites officiels d'information sanitaire",
            "Tarifa cero para los sitios oficiales de información sanitaria",
            "إتاحة المواقع الرسمية للمعلومات الصحية دون احتساب رسوم البيانات",
            "Бесплатный доступ к официальным сайтам с информацией о здоровье",
            "官方卫生信息网站免流量费",
        ),
        tr(
            "zero-rates official health information sites",
            "rend gratuit l'accès aux sites officiels d'information sanitaire",
            "aplica tarifa cero a los sitios oficiales de información sanitaria",
            "تتيح المواقع الرسمية للمعلومات الصحية دون احتساب رسوم البيانات",
            "обеспечивает бесплатный доступ к официальным сайтам с информацией о здоровье",
            "对官方卫生信息网站实行免流量费",
        ),
        "public",
        ("zero-rating", "health"),
    ),
    Action(
        MeasureCategory.SPECTRUM,
        (REG, MIN),
        tr(
            "Temporary spectrum assignments in the 700 MHz band",
            "Attribution temporaire de fréquences dans la bande des 700 MHz",
            "Asignación temporal de espectro en la banda de 700 MHz",
            "تخصيص مؤقت للطيف الترددي في نطاق 700 ميغاهرتز",
            "Временное выделение частот в диапазоне 700 МГц",
            "临时分配700兆赫频段频谱",
        ),
        tr(
            "grants operators temporary spectrum in the 700 MHz band",
            "accorde aux opérateurs des fréquences temporaires dans la bande des 700 MHz",
            "otorga a los operadores espectro temporal en la banda de 700 MHz",
            "تمنح المشغلين طيفاً ترددياً مؤقتاً في نطاق 700 ميغاهرتز",
            "предоставляет операторам временные частоты в диапазоне 700 МГц",
            "向运营商临时分配700兆赫频段的频谱",
        ),
        "operators",
        ("spectrum", "700 mhz"),
    ),
    Action(
        MeasureCategory.CONSUMER_PROTECTION,
        (REG, OPR, IND),
        tr(
            "Waiver of data caps for telemedicine platforms",
            "Levée des plafonds de données pour les plateformes de télémédecine",
            "Eliminación de los límites de datos para las plataformas de telemedicina",
            "إلغاء حدود استهلاك البيانات لمنصات التطبيب عن بعد",
            "Отмена лимитов трафика для платформ телемедицины",
            "取消远程医疗平台的流量上限",
        ),
        tr(
            "waives data caps for telemedicine platforms",
            "lève les plafonds de données pour les plateformes de télémédecine",
            "elimina los límites de datos para las plataformas de telemedicina",
            "تلغي حدود استهلاك البيانات لمنصات التطبيب عن بعد",
            "отменяет лимиты трафика для платформ телемедицины",
            "取消远程医疗平台的流量上限",
        ),
        "health",
        ("data caps", "telemedicine"),
    ),
    Action(
        MeasureCategory.NETWORK_RESILIENCE,
        (REG, MIN),
        tr(
            "Daily reporting of network traffic peaks",
            "Déclaration quotidienne des pics de trafic",
            "Informe diario de los picos de tráfico de red",
            "الإبلاغ اليومي عن ذروة حركة البيانات على الشبكات",
            "Ежедневная отчётность о пиковых нагрузках в сетях",
            "每日报告网络流量峰值",
        ),
        tr(
            "requires operators to report traffic peaks daily",
            "impose aux opérateurs de déclarer chaque jour les pics de trafic",
            "exige a los operadores informar diariamente de los picos de tráfico",
            "تلزم المشغلين بالإبلاغ يومياً عن ذروة حركة البيانات",
            "обязывает операторов ежедневно сообщать о пиковых нагрузках",
            "要求运营商每日报告流量峰值",
        ),
        "operators",
        ("traffic", "monitoring"),
    ),
    Action(
        MeasureCategory.NETWORK_RESILIENCE,
        (REG, INTL),
        tr(
            "Guidelines on traffic management for critical services",
            "Lignes directrices sur la gestion du trafic pour les services essentiels",
            "Directrices sobre gestión del tráfico para servicios esenciales",
            "مبادئ توجيهية بشأن إدارة حركة البيانات لصالح الخدمات الحيوية",
            "Рекомендации по управлению трафиком для критически важных служб",
            "关于保障关键服务的流量管理指南",
        ),
        tr(
            "issues guidelines that let operators prioritise traffic for critical services",
            "publie des lignes directrices permettant aux opérateurs de donner la priorité "
            "au trafic des services essentiels",
            "publica directrices que permiten a los operadores priorizar el tráfico de los "
            "servicios esenciales",
            "تصدر مبادئ توجيهية تسمح للمشغلين بإعطاء الأولوية لحركة بيانات الخدمات الحيوية",
            "публикует рекомендации, позволяющие операторам отдавать приоритет трафику "
            "критически важных служб",
            "发布指南，允许运营商优先保障关键服务的流量",
        ),
        "operators",
        ("traffic management", "net neutrality"),
        voluntary=True,
    ),
    Action(
        MeasureCategory.BROADBAND_QUALITY,
        (OPR, IND),
        tr(
            "Free speed upgrades for fixed broadband customers",
            "Augmentation gratuite des débits pour les abonnés au haut débit fixe",
            "Aumento gratuito de velocidad para los clientes de banda ancha fija",
            "رفع سرعة النطاق العريض الثابت للمشتركين دون تكلفة إضافية",
            "Бесплатное повышение скорости для абонентов фиксированного широкополосного доступа",
            "固定宽带用户免费提速",
        ),
        tr(
            "doubles fixed broadband speeds at no extra cost",
            "double les débits du haut débit fixe sans frais supplémentaires",
            "duplica la velocidad de la banda ancha fija sin costo adicional",
            "تضاعف سرعة النطاق العريض الثابت دون تكلفة إضافية",
            "удваивает скорость фиксированного широкополосного доступа без дополнительной платы",
            "在不额外收费的情况下将固定宽带速度提高一倍",
        ),
        "consumers",
        ("broadband", "speed"),
    ),
    Action(
        MeasureCategory.UNIVERSAL_SERVICE,
        (REG, MIN),
        tr(
            "Universal service funds for connecting hospitals and schools",
            "Fonds de service universel pour connecter les hôpitaux et les écoles",
            "Fondos de servicio universal para conectar hospitales y escuelas",
            "توجيه أموال الخدمة الشاملة لربط المستشفيات والمدارس",
            "Средства фонда универсальной услуги на подключение больниц и школ",
            "利用普遍服务基金连接医院和学校",
        ),
        tr(
            "redirects universal service funds to connect hospitals and schools",
            "réaffecte les fonds du service universel au raccordement des hôpitaux et des écoles",
            "reorienta los fondos de servicio universal para conectar hospitales y escuelas",
            "توجه أموال الخدمة الشاملة لربط المستشفيات والمدارس بالإنترنت",
            "направляет средства фонда универсальной услуги на подключение больниц и школ",
            "将普遍服务基金用于连接医院和学校",
        ),
        "health",
        ("universal service", "schools", "hospitals"),
    ),
    Action(
        MeasureCategory.INFRASTRUCTURE,
        (REG, MIN),
        tr(
            "Fast-track permits for base stations and fibre",
            "Procédure accélérée d'autorisation des stations de base et de la fibre",
            "Permisos acelerados para estaciones base y fibra óptica",
            "تسريع تراخيص المحطات القاعدية والألياف الضوئية",
            "Ускоренная выдача разрешений на базовые станции и оптоволокно",
            "基站和光纤审批快速通道",
        ),
        tr(
            "fast-tracks permits for new base stations and fibre routes",
            "accélère la délivrance des autorisations pour les nouvelles stations de base et "
            "les liaisons en fibre",
            "agiliza los permisos para nuevas estaciones base y tendidos de fibra óptica",
            "تسرّع إصدار التراخيص للمحطات القاعدية الجديدة ومسارات الألياف الضوئية",
            "ускоряет выдачу разрешений на новые базовые станции и волоконно-оптические линии",
            "加快新建基站和光纤线路的审批",
        ),
        "operators",
        ("permits", "fibre"),
    ),
    Action(
        MeasureCategory.EMERGENCY_TELECOM,
        (REG, MIN, OTH),
        tr(
            "Public health alerts sent by SMS",
            "Diffusion d'alertes sanitaires par SMS",
            "Envío de alertas de salud pública por SMS",
            "إرسال تنبيهات الصحة العامة عبر الرسائل القصيرة",
            "Рассылка предупреждений об угрозе здоровью по SMS",
            "通过短信发送公共卫生警报",
        ),
        tr(
            "requires operators to relay public health alerts to all subscribers by SMS",
            "impose aux opérateurs de relayer les alertes sanitaires par SMS à tous les abonnés",
            "exige a los operadores difundir por SMS las alertas de salud pública a todos los "
            "abonados",
            "تلزم المشغلين بإرسال تنبيهات الصحة العامة إلى جميع المشتركين عبر الرسائل القصيرة",
            "обязывает операторов рассылать всем абонентам предупреждения об угрозе здоровью "
            "по SMS",
            "要求运营商通过短信向所有用户转发公共卫生警报",
        ),
        "public",
        ("sms", "public warning"),
    ),
    Action(
        MeasureCategory.CYBERSECURITY,
        (REG, MIN, INTL),
        tr(
            "Hotline for reporting pandemic-related online scams",
            "Ligne d'assistance pour signaler les escroqueries en ligne liées à la pandémie",
            "Línea de ayuda para denunciar estafas en línea relacionadas con la pandemia",
            "خط ساخن للإبلاغ عن عمليات الاحتيال الإلكتروني المرتبطة بالجائحة",
            "Горячая линия для сообщений о мошенничестве в интернете, связанном с пандемией",
            "举报疫情相关网络诈骗的热线",
        ),
        tr(
            "opens a hotline for reporting online scams linked to the pandemic",
            "ouvre une ligne d'assistance pour signaler les escroqueries en ligne liées à la "
            "pandémie",
            "habilita una línea de ayuda para denunciar estafas en línea relacionadas con la "
            "pandemia",
            "تطلق خطاً ساخناً للإبلاغ عن عمليات الاحتيال الإلكتروني المرتبطة بالجائحة",
            "открывает горячую линию для сообщений о мошенничестве в интернете, связанном "
            "с пандемией",
            "开通举报疫情相关网络诈骗的热线",
        ),
        "public",
        ("scams", "cybersecurity"),
        voluntary=True,
    ),
    Action(
        MeasureCategory.DIGITAL_INCLUSION,
        (MIN, OPR, IND),
        tr(
            "Free access to remote learning platforms for students",
            "Accès gratuit aux plateformes d'enseignement à distance pour les élèves",
            "Acceso gratuito a las plataformas de educación a distancia para los estudiantes",
            "وصول مجاني للطلاب إلى منصات التعليم عن بعد",
            "Бесплатный доступ учащихся к платформам дистанционного обучения",
            "学生免费访问远程学习平台",
        ),
        tr(
            "zero-rates remote learning platforms for students",
            "rend gratuit l'accès des élèves aux plateformes d'enseignement à distance",
            "ofrece a los estudiantes acceso gratuito a las plataformas de educación a distancia",
            "تتيح للطلاب الوصول المجاني إلى منصات التعليم عن بعد",
            "предоставляет учащимся бесплатный доступ к платформам дистанционного обучения",
            "为学生免费提供远程学习平台的访问",
        ),
        "students",
        ("zero-rating", "education"),
    ),
    Action(
        MeasureCategory.DIGITAL_INCLUSION,
        (MIN, OPR),
        tr(
            "Subsidised smartphones for low-income households",
            "Smartphones subventionnés pour les ménages à faible revenu",
            "Teléfonos inteligentes subsidiados para hogares de bajos ingresos",
            "هواتف ذكية مدعومة للأسر ذات الدخل المنخفض",
            "Субсидированные смартфоны для малообеспеченных семей",
            "为低收入家庭补贴智能手机",
        ),
        tr(
            "subsidises low-cost smartphones for low-income households",
            "subventionne des smartphones à bas prix pour les ménages à faible revenu",
            "subsidia teléfonos inteligentes de bajo costo para hogares de bajos ingresos",
            "تدعم توفير هواتف ذكية منخفضة التكلفة للأسر ذات الدخل المنخفض",
            "субсидирует недорогие смартфоны для малообеспеченных семей",
            "为低收入家庭补贴低价智能手机",
        ),
        "consumers",
        ("devices", "affordability"),
    ),
    Action(
        MeasureCategory.BROADBAND_QUALITY,
        (REG,),
        tr(
            "Weekly publication of mobile broadband speed measurements",
            "Publication hebdomadaire des mesures de débit mobile",
            "Publicación semanal de las mediciones de velocidad de la banda ancha móvil",
            "النشر الأسبوعي لقياسات سرعة النطاق العريض المتنقل",
            "Еженедельная публикация результатов измерения скорости мобильного интернета",
            "每周公布移动宽带速率测量结果",
        ),
        tr(
            "requires operators to publish weekly measurements of mobile broadband speeds",
            "impose aux opérateurs de publier chaque semaine les mesures de débit mobile",
            "exige a los operadores publicar cada semana las mediciones de velocidad de la "
            "banda ancha móvil",
            "تلزم المشغلين بنشر قياسات أسبوعية لسرعة النطاق العريض المتنقل",
            "обязывает операторов еженедельно публиковать результаты измерения скорости "
            "мобильного интернета",
            "要求运营商每周公布移动宽带速率测量结果",
        ),
        "operators",
        ("quality of service", "broadband"),
    ),
    Action(
        MeasureCategory.INFRASTRUCTURE,
        (REG,),
        tr(
            "Temporary rules for sharing towers and backhaul",
            "Règles temporaires de partage des pylônes et des liaisons de collecte",
            "Normas temporales para compartir torres y redes de retorno",
            "قواعد مؤقتة لتقاسم الأبراج وشبكات الربط",
            "Временные правила совместного использования вышек и транспортных сетей",
            "共享铁塔和回传网络的临时规则",
        ),
        tr(
            "allows operators to share towers and backhaul links",
            "autorise les opérateurs à partager leurs pylônes et leurs liaisons de collecte",
            "permite a los operadores compartir torres y enlaces de retorno",
            "تسمح للمشغلين بتقاسم الأبراج ووصلات الربط",
            "разрешает операторам совместно использовать вышки и транспортные каналы",
            "允许运营商共享铁塔和回传链路",
        ),
        "operators",
        ("infrastructure sharing",),
        voluntary=True,
    ),
)

# "{s}" subject, "{v}" verb phrase, "{p}" the phase.
MEASURE_SENTENCE = tr(
    "{s} {v} {p}.", "{s} {v} {p}.", "{s} {v} {p}.", "{s} {v} {p}.", "{p} {s} {v}.", "{p}{s}{v}。"
)
PHASE_CLAUSES = {
    Phase.EMERGENCY: tr(
        "during the pandemic",
        "pendant la pandémie",
        "durante la pandemia",
        "خلال الجائحة",
        "На время пандемии",
        "疫情期间，",
    ),
    Phase.RECOVERY: tr(
        "as part of the recovery plan",
        "dans le cadre du plan de relance",
        "en el marco del plan de recuperación",
        "في إطار خطة التعافي",
        "В рамках плана восстановления",
        "在复苏阶段，",
    ),
    Phase.NEW_NORMAL: tr(
        "as a permanent measure",
        "à titre permanent",
        "con carácter permanente",
        "بصفة دائمة",
        "На постоянной основе",
        "作为一项长期措施，",
    ),
}
PHASE_TITLES = {
    Phase.EMERGENCY: tr(
        "{t} during the pandemic",
        "{t} pendant la pandémie",
        "{t} durante la pandemia",
        "{t} خلال الجائحة",
        "{t} на время пандемии",
        "疫情期间{t}",
    ),
    Phase.RECOVERY: tr(
        "{t} in the recovery phase",
        "{t} pendant la phase de relance",
        "{t} en la fase de recuperación",
        "{t} في مرحلة التعافي",
        "{t} на этапе восстановления",
        "复苏阶段{t}",
    ),
    Phase.NEW_NORMAL: tr(
        "{t}: permanent measure",
        "{t} : mesure pérennisée",
        "{t}: medida permanente",
        "{t}: إجراء دائم",
        "{t}: постоянная мера",
        "{t}（长期措施）",
    ),
}
BINDING_SENTENCES = {
    Binding.MANDATORY: tr(
        "The measure is legally binding.",
        "La mesure a force obligatoire.",
        "La medida es de cumplimiento obligatorio.",
        "ويُعد هذا الإجراء ملزماً قانوناً.",
        "Мера носит обязательный характер.",
        "该措施具有法律约束力。",
    ),
    Binding.VOLUNTARY: tr(
        "The measure is voluntary.",
        "La mesure est volontaire.",
        "La medida es voluntaria.",
        "ويُعد هذا الإجراء طوعياً.",
        "Мера носит добровольный характер.",
        "该措施属于自愿性质。",
    ),
}
END_SENTENCES = {
    MeasureStatus.EXPIRED: tr(
        "The measure ended on {d}.",
        "La mesure a pris fin le {d}.",
        "La medida finalizó el {d}.",
        "وانتهى العمل بالإجراء في {d}.",
        "Мера прекратила действие {d}.",
        "该措施已于{d}结束。",
    ),
    MeasureStatus.REVOKED: tr(
        "The measure was withdrawn on {d}.",
        "La mesure a été retirée le {d}.",
        "La medida fue retirada el {d}.",
        "وأُلغي الإجراء في {d}.",
        "Мера была отменена {d}.",
        "该措施已于{d}撤销。",
    ),
}
OUTCOMES = (
    "Operators reported that no customer was disconnected while the measure applied.",
    "Traffic peaks were absorbed without major outages.",
    "About {k} subscribers benefited, according to the operators' filings.",
    "The authority reviewed the measure every month with the operators.",
)
LESSONS = (
    "Clear end dates made it easier for operators to plan.",
    "Daily coordination calls between the authority and operators proved essential.",
    "Measures announced without consulting operators took longer to apply.",
    "Publishing data on take-up helped to justify extending the measure.",
)

# Cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    title: Text
    summary: Text
    organisation: Text
    stakeholder_type: str
    action_lines: tuple[str, ...]
    sdgs: tuple[int, ...]
    tags: tuple[str, ...]


MINISTRY_OF_HEALTH = tr(
    "Ministry of Health",
    "Ministère de la Santé",
    "Ministerio de Salud",
    "وزارة الصحة",
    "Министерство здравоохранения",
    "卫生主管部门",
)
PROJECTS = (
    Project(
        tr(
            "Telemedicine platform for rural clinics",
            "Plateforme de télémédecine pour les centres de santé ruraux",
            "Plataforma de telemedicina para clínicas rurales",
            "منصة للتطبيب عن بعد لخدمة العيادات الريفية",
            "Платформа телемедицины для сельских клиник",
            "面向农村诊所的远程医疗平台",
        ),
        tr(
            "A video consultation platform connects rural clinics with specialists in the "
            "capital, so that patients avoid long journeys during the pandemic.",
            "Une plateforme de téléconsultation relie les centres de santé ruraux à des "
            "spécialistes de la capitale, ce qui évite aux patients de longs déplacements "
            "pendant la pandémie.",
            "Una plataforma de videoconsulta conecta las clínicas rurales con especialistas de "
            "la capital, lo que evita a los pacientes largos desplazamientos durante la pandemia.",
            "تربط منصة للاستشارات المرئية العيادات الريفية بأطباء متخصصين في العاصمة، مما يجنّب "
            "المرضى التنقل لمسافات طويلة خلال الجائحة.",
            "Платформа видеоконсультаций связывает сельские клиники со специалистами в столице, "
            "и пациентам не нужно совершать дальние поездки во время пандемии.",
            "视频问诊平台将农村诊所与首都的专科医生连接起来，使患者在疫情期间免于长途奔波。",
        ),
        MINISTRY_OF_HEALTH,
        StakeholderType.GOVERNMENT,
        ("C7.4", "C2"),
        (3, 9, 10),
        ("telemedicine", "e-health"),
    ),
    Project(
        tr(
            "Remote learning over radio and SMS",
            "Enseignement à distance par la radio et les SMS",
            "Educación a distancia por radio y SMS",
            "التعليم عن بعد عبر الإذاعة والرسائل القصيرة",
            "Дистанционное обучение по радио и SMS",
            "通过广播和短信开展远程教学",
        ),
        tr(
            "Daily radio lessons are followed by quizzes sent by SMS, reaching pupils in "
            "households without internet access while schools are closed.",
            "Des cours quotidiens diffusés à la radio sont suivis de quiz envoyés par SMS, ce "
            "qui permet d'atteindre les élèves des foyers sans accès à internet pendant la "
            "fermeture des écoles.",
            "Las clases diarias por radio se complementan con cuestionarios enviados por SMS y "
            "llegan a los alumnos de hogares sin acceso a internet mientras las escuelas están "
            "cerradas.",
            "تُبث دروس يومية عبر الإذاعة تليها اختبارات قصيرة تُرسل بالرسائل النصية، فتصل إلى "
            "التلاميذ في الأسر التي لا تملك اتصالاً بالإنترنت خلال إغلاق المدارس.",
            "За ежедневными радиоуроками следуют тесты, которые рассылаются по SMS, поэтому "
            "обучение доступно школьникам из семей без доступа к интернету, пока школы закрыты.",
            "每日广播课程之后通过短信发送小测验，在学校停课期间覆盖没有互联网接入的家庭中的学生。",
        ),
        tr(
            "Ministry of Education",
            "Ministère de l'Éducation nationale",
            "Ministerio de Educación",
            "وزارة التربية والتعليم",
            "Министерство просвещения",
            "教育主管部门",
        ),
        StakeholderType.GOVERNMENT,
        ("C7.3", "C3", "C8"),
        (4, 10),
        ("remote learning", "radio", "sms"),
    ),
    Project(
        tr(
            "Data protection safeguards for a contact-tracing app",
            "Garanties de protection des données pour une application de traçage des contacts",
            "Garantías de protección de datos para una aplicación de rastreo de contactos",
            "ضمانات حماية البيانات في تطبيق لتتبع المخالطين",
            "Гарантии защиты данных в приложении для отслеживания контактов",
            "接触者追踪应用的数据保护措施",
        ),
        tr(
            "The data protection authority reviewed a contact-tracing app before launch; the "
            "app now stores identifiers on the phone only and deletes them after 21 days.",
            "L'autorité de protection des données a examiné une application de traçage des "
            "contacts avant son lancement ; l'application conserve désormais les identifiants "
            "sur le téléphone uniquement et les supprime après 21 jours.",
            "La autoridad de protección de datos revisó una aplicación de rastreo de contactos "
            "antes de su lanzamiento; la aplicación guarda ahora los identificadores solo en el "
            "teléfono y los borra a los 21 días.",
            "راجعت هيئة حماية البيانات تطبيقاً لتتبع المخالطين قبل إطلاقه، وأصبح التطبيق يحفظ "
            "المعرّفات على الهاتف فقط ويحذفها بعد 21 يوماً.",
            "Орган по защите данных проверил приложение для отслеживания контактов до его "
            "запуска: теперь идентификаторы хранятся только на телефоне и удаляются через "
            "21 день.",
            "数据保护机构在接触者追踪应用上线前对其进行了审查；该应用现在仅在手机上存储标识符，"
            "并在21天后删除。",
        ),
        tr(
            "Data Protection Authority",
            "Autorité de protection des données",
            "Autoridad de Protección de Datos",
            "هيئة حماية البيانات",
            "Орган по защите персональных данных",
            "数据保护机构",
        ),
        StakeholderType.GOVERNMENT,
        ("C5", "C10", "C7.4"),
        (3, 16),
        ("contact tracing", "data protection", "privacy"),
    ),
    Project(
        tr(
            "Connecting public schools to broadband",
            "Raccordement des écoles publiques au haut débit",
            "Conexión de las escuelas públicas a la banda ancha",
            "ربط المدارس الحكومية بالنطاق العريض",
            "Подключение государственных школ к широкополосному интернету",
            "公立学校宽带连接项目",
        ),
        tr(
            "Operators and the education ministry connect public schools to broadband and "
            "train teachers to run hybrid classes.",
            "Les opérateurs et le ministère de l'Éducation raccordent les écoles publiques au "
            "haut débit et forment les enseignants aux cours hybrides.",
            "Los operadores y el ministerio de Educación conectan las escuelas públicas a la "
            "banda ancha y capacitan al profesorado para impartir clases híbridas.",
            "يعمل المشغلون ووزارة التربية على ربط المدارس الحكومية بالنطاق العريض وتأهيل "
            "المعلمين لتقديم حصص مدمجة.",
            "Операторы связи и министерство образования подключают государственные школы к "
            "широкополосному интернету и готовят учителей к проведению смешанных занятий.",
            "运营商与教育主管部门合作，为公立学校接入宽带，并培训教师开展混合式教学。",
        ),
        tr(
            "National Research and Education Network",
            "Réseau national de recherche et d'éducation",
            "Red Nacional de Investigación y Educación",
            "الشبكة الوطنية للبحث والتعليم",
            "Национальная научно-образовательная сеть",
            "国家科研教育网",
        ),
        StakeholderType.ACADEMIA,
        ("C2", "C7.3", "C4"),
        (4, 9, 17),
        ("school connectivity", "education"),
    ),
    Project(
        tr(
            "Mobile money transfers for emergency social assistance",
            "Transferts d'argent mobile pour l'aide sociale d'urgence",
            "Transferencias por dinero móvil para la asistencia social de emergencia",
            "تحويلات الأموال عبر الهاتف المحمول للمساعدات الاجتماعية الطارئة",
            "Мобильные денежные переводы для экстренной социальной помощи",
            "通过移动支付发放紧急社会救助",
        ),
        tr(
            "Emergency cash grants are paid to registered households through mobile money, "
            "avoiding queues at payment points.",
            "Des aides d'urgence sont versées aux ménages inscrits par l'intermédiaire de "
            "l'argent mobile, ce qui évite les files d'attente aux points de paiement.",
            "Las ayudas de emergencia se pagan a los hogares registrados mediante dinero móvil, "
            "lo que evita las filas en los puntos de pago.",
            "تُصرف منح نقدية طارئة للأسر المسجلة عبر خدمات الأموال المتنقلة، مما يجنّب الطوابير "
            "عند نقاط الصرف.",
            "Экстренные денежные пособия выплачиваются зарегистрированным семьям через "
            "мобильные деньги, без очередей в пунктах выдачи.",
            "紧急现金补助通过移动支付发放给已登记的家庭，避免了在领取点排队。",
        ),
        tr(
            "Ministry of Social Affairs",
            "Ministère des Affaires sociales",
            "Ministerio de Desarrollo Social",
            "وزارة الشؤون الاجتماعية",
            "Министерство социальной защиты",
            "社会保障主管部门",
        ),
        StakeholderType.GOVERNMENT,
        ("C7.1", "C7.2"),
        (1, 10),
        ("mobile money", "social protection"),
    ),
    Project(
        tr(
            "Market price information for farmers by SMS",
            "Informations sur les prix du marché par SMS pour les agriculteurs",
            "Información de precios de mercado por SMS para agricultores",
            "معلومات أسعار السوق للمزارعين عبر الرسائل القصيرة",
            "Информация о рыночных ценах для фермеров по SMS",
            "通过短信向农民提供市场价格信息",
        ),
        tr(
            "Farmers receive weekly crop prices and buyer contacts by SMS, helping them sell "
            "produce while local markets are closed.",
            "Les agriculteurs reçoivent chaque semaine par SMS les prix des récoltes et les "
            "coordonnées d'acheteurs, ce qui les aide à vendre leur production pendant la "
            "fermeture des marchés locaux.",
            "Los agricultores reciben cada semana por SMS los precios de los cultivos y "
            "contactos de compradores, lo que les ayuda a vender su producción mientras los "
            "mercados locales están cerrados.",
            "يتلقى المزارعون أسبوعياً عبر الرسائل القصيرة أسعار المحاصيل وبيانات الاتصال "
            "بالمشترين، مما يساعدهم على بيع منتجاتهم أثناء إغلاق الأسواق المحلية.",
            "Фермеры еженедельно получают по SMS цены на урожай и контакты покупателей, что "
            "помогает им продавать продукцию, пока местные рынки закрыты.",
            "农民每周通过短信获得农作物价格和买家联系方式，帮助他们在当地市场关闭期间销售农产品。",
        ),
        tr(
            "Farmers' cooperative union",
            "Union des coopératives agricoles",
            "Unión de cooperativas agrícolas",
            "اتحاد التعاونيات الزراعية",
            "Союз сельскохозяйственных кооперативов",
            "农业合作社联合会",
        ),
        StakeholderType.CIVIL_SOCIETY,
        ("C7.7", "C3"),
        (2, 8),
        ("agriculture", "sms"),
    ),
    Project(
        tr(
            "Telework support programme for small businesses",
            "Programme d'aide au télétravail pour les petites entreprises",
            "Programa de apoyo al teletrabajo para pequeñas empresas",
            "برنامج لدعم العمل عن بعد في المنشآت الصغيرة",
            "Программа поддержки удалённой работы для малого бизнеса",
            "小企业远程办公支持计划",
        ),
        tr(
            "Small businesses receive vouchers for collaboration software and free training so "
            "that staff can keep working from home.",
            "Les petites entreprises reçoivent des bons pour des logiciels collaboratifs et une "
            "formation gratuite afin que leur personnel puisse continuer à travailler depuis le "
            "domicile.",
            "Las pequeñas empresas reciben bonos para programas de colaboración y formación "
            "gratuita para que su personal pueda seguir trabajando desde casa.",
            "تحصل المنشآت الصغيرة على قسائم لشراء برمجيات التعاون وعلى تدريب مجاني حتى يتمكن "
            "موظفوها من مواصلة العمل من المنزل.",
            "Малые предприятия получают ваучеры на программы для совместной работы и бесплатное "
            "обучение, чтобы сотрудники могли продолжать работать из дома.",
            "小企业获得协作软件代金券和免费培训，使员工能够继续居家办公。",
        ),
        tr(
            "Chamber of Commerce",
            "Chambre de commerce et d'industrie",
            "Cámara de Comercio",
            "غرفة التجارة والصناعة",
            "Торгово-промышленная палата",
            "工商会",
        ),
        StakeholderType.BUSINESS,
        ("C7.5", "C7.2", "C4"),
        (8, 9),
        ("telework", "smes"),
    ),
    Project(
        tr(
            "Community network for remote villages",
            "Réseau communautaire pour les villages isolés",
            "Red comunitaria para aldeas remotas",
            "شبكة مجتمعية للقرى النائية",
            "Общественная сеть для отдалённых сёл",
            "偏远村庄社区网络",
        ),
        tr(
            "Volunteers built a community Wi-Fi network powered by solar panels, giving remote "
            "villages access to health and school information.",
            "Des bénévoles ont construit un réseau Wi-Fi communautaire alimenté par des panneaux "
            "solaires, qui donne aux villages isolés accès aux informations sanitaires et "
            "scolaires.",
            "Voluntarios construyeron una red wifi comunitaria alimentada con paneles solares que "
            "da a las aldeas remotas acceso a información sanitaria y escolar.",
            "أنشأ متطوعون شبكة واي فاي مجتمعية تعمل بالألواح الشمسية، تتيح للقرى النائية الوصول "
            "إلى المعلومات الصحية والمدرسية.",
            "Волонтёры построили общественную сеть Wi-Fi на солнечных батареях, которая даёт "
            "отдалённым сёлам доступ к информации о здоровье и учёбе.",
            "志愿者建设了由太阳能电池板供电的社区无线网络，使偏远村庄能够获取卫生和学校信息。",
        ),
        tr(
            "Rural connectivity association",
            "Association pour la connectivité rurale",
            "Asociación para la conectividad rural",
            "جمعية توصيل الإنترنت إلى الأرياف",
            "Ассоциация сельской связи",
            "农村连接协会",
        ),
        StakeholderType.CIVIL_SOCIETY,
        ("C2", "C3", "C6"),
        (7, 9, 10),
        ("community networks", "rural"),
    ),
    Project(
        tr(
            "Chatbot answering questions about the pandemic",
            "Agent conversationnel répondant aux questions sur la pandémie",
            "Asistente virtual que responde preguntas sobre la pandemia",
            "روبوت محادثة يجيب عن الأسئلة المتعلقة بالجائحة",
            "Чат-бот, отвечающий на вопросы о пандемии",
            "解答疫情相关问题的聊天机器人",
        ),
        tr(
            "A messaging chatbot answers common questions with verified health information and "
            "points users to testing centres.",
            "Un agent conversationnel sur messagerie répond aux questions fréquentes avec des "
            "informations sanitaires vérifiées et oriente les utilisateurs vers les centres de "
            "dépistage.",
            "Un asistente virtual de mensajería responde las preguntas frecuentes con "
            "información sanitaria verificada y orienta a los usuarios hacia los centros de "
            "pruebas.",
            "يجيب روبوت محادثة عبر تطبيقات المراسلة عن الأسئلة الشائعة بمعلومات صحية موثوقة "
            "ويرشد المستخدمين إلى مراكز الفحص.",
            "Чат-бот в мессенджере отвечает на частые вопросы, опираясь на проверенную "
            "медицинскую информацию, и подсказывает, где находятся пункты тестирования.",
            "一款即时通讯聊天机器人用经过核实的卫生信息解答常见问题，并引导用户前往检测中心。",
        ),
        MINISTRY_OF_HEALTH,
        StakeholderType.GOVERNMENT,
        ("C7.4", "C3", "C9"),
        (3, 16),
        ("chatbot", "health information"),
    ),
    Project(
        tr(
            "Online public services during office closures",
            "Services publics en ligne pendant la fermeture des guichets",
            "Servicios públicos en línea durante el cierre de oficinas",
            "خدمات حكومية إلكترونية خلال إغلاق المكاتب",
            "Государственные услуги онлайн на время закрытия приёмных",
            "办事大厅关闭期间的在线政务服务",
        ),
        tr(
            "Civil registration, business licences and social benefits moved online, with "
            "identity checks by video call.",
            "L'état civil, les licences commerciales et les prestations sociales sont passés en "
            "ligne, avec une vérification d'identité par appel vidéo.",
            "El registro civil, las licencias comerciales y las prestaciones sociales pasaron a "
            "la modalidad en línea, con verificación de identidad por videollamada.",
            "أصبحت خدمات السجل المدني والرخص التجارية والإعانات الاجتماعية متاحة عبر الإنترنت، "
            "مع التحقق من الهوية عبر مكالمة فيديو.",
            "Регистрация актов гражданского состояния, лицензии для бизнеса и социальные "
            "пособия переведены в онлайн-режим, а личность проверяется по видеосвязи.",
            "民事登记、营业执照和社会福利业务转为线上办理，并通过视频通话核验身份。",
        ),
        tr(
            "E-government agency",
            "Agence de l'administration électronique",
            "Agencia de Gobierno Digital",
            "هيئة الحكومة الإلكترونية",
            "Агентство электронного правительства",
            "电子政务管理机构",
        ),
        StakeholderType.GOVERNMENT,
        ("C7.1", "C1"),
        (9, 16),
        ("e-government", "digital identity"),
    ),
    Project(
        tr(
            "Cell broadcast early warning for floods",
            "Alerte précoce aux inondations par diffusion cellulaire",
            "Alerta temprana de inundaciones por difusión celular",
            "الإنذار المبكر بالفيضانات عبر البث الخلوي",
            "Раннее оповещение о наводнениях через сотовые сети",
            "基于小区广播的洪水预警",
        ),
        tr(
            "Flood warnings reach every phone in an affected area within minutes, even when "
            "networks are congested.",
            "Les alertes aux inondations parviennent en quelques minutes à tous les téléphones "
            "de la zone concernée, même lorsque les réseaux sont saturés.",
            "Las alertas de inundación llegan en pocos minutos a todos los teléfonos de la zona "
            "afectada, incluso cuando las redes están congestionadas.",
            "تصل تحذيرات الفيضانات خلال دقائق إلى كل الهواتف في المنطقة المتضررة، حتى عندما "
            "تكون الشبكات مزدحمة.",
            "Предупреждения о наводнениях за несколько минут доходят до всех телефонов в "
            "пострадавшем районе, даже когда сети перегружены.",
            "洪水预警可在几分钟内送达受影响地区的每部手机，即使网络拥塞也不受影响。",
        ),
        tr(
            "Disaster management agency",
            "Agence de gestion des catastrophes",
            "Agencia de Gestión de Desastres",
            "هيئة إدارة الكوارث",
            "Агентство по управлению в чрезвычайных ситуациях",
            "灾害管理机构",
        ),
        StakeholderType.GOVERNMENT,
        ("C7.6", "C2"),
        (11, 13),
        ("early warning", "floods"),
    ),
    Project(
        tr(
            "Digital skills training for women entrepreneurs",
            "Formation aux compétences numériques pour les entrepreneuses",
            "Capacitación en competencias digitales para emprendedoras",
            "تدريب رائدات الأعمال على المهارات الرقمية",
            "Обучение цифровым навыкам для женщин-предпринимателей",
            "面向女性创业者的数字技能培训",
        ),
        tr(
            "Online courses and mentoring help women-led businesses open online shops and "
            "accept digital payments.",
            "Des cours en ligne et un accompagnement aident les entreprises dirigées par des "
            "femmes à ouvrir des boutiques en ligne et à accepter les paiements numériques.",
            "Cursos en línea y mentorías ayudan a las empresas dirigidas por mujeres a abrir "
            "tiendas en línea y aceptar pagos digitales.",
            "تساعد دورات إلكترونية وبرامج إرشاد المنشآت التي تديرها نساء على افتتاح متاجر "
            "إلكترونية وقبول المدفوعات الرقمية.",
            "Онлайн-курсы и наставничество помогают предприятиям, которыми руководят женщины, "
            "открывать интернет-магазины и принимать цифровые платежи.",
            "在线课程和导师辅导帮助女性经营的企业开设网店并接受数字支付。",
        ),
        tr(
            "University business school",
            "École de commerce universitaire",
            "Escuela de negocios universitaria",
            "كلية إدارة الأعمال في الجامعة الوطنية",
            "Университетская школа бизнеса",
            "大学商学院",
        ),
        StakeholderType.ACADEMIA,
        ("C4", "C7.2"),
        (5, 8),
        ("digital skills", "gender"),
    ),
)
SCOPE_TITLES = {
    Scope.LOCAL: tr(
        "{t} in pilot districts",
        "{t} dans des districts pilotes",
        "{t} en distritos piloto",
        "{t} في مناطق تجريبية",
        "{t} в пилотных районах",
        "{t}（试点地区）",
    ),
    Scope.NATIONAL: tr(
        "{t} nationwide",
        "{t} à l'échelle nationale",
        "{t} a escala nacional",
        "{t} على المستوى الوطني",
        "{t} по всей стране",
        "{t}（全国）",
    ),
    Scope.REGIONAL: tr(
        "{t} across the region",
        "{t} à l'échelle régionale",
        "{t} a escala regional",
        "{t} على المستوى الإقليمي",
        "{t} в масштабах региона",
        "{t}（区域）",
    ),
    Scope.INTERNATIONAL: tr(
        "{t} in several countries",
        "{t} dans plusieurs pays",
        "{t} en varios países",
        "{t} في عدة بلدان",
        "{t} в нескольких странах",
        "{t}（多国）",
    ),
}
IMPACTS = (
    "About {k} people used the service in its first year.",
    "An evaluation found that most users would keep using the service after the crisis.",
    "The approach has since been adopted by two neighbouring districts.",
)
CHALLENGES = (
    "Patchy mobile coverage in rural areas.",
    "Training staff while the service was already running.",
    "Keeping the service funded after the emergency grants ended.",
)
PARTNERS = (
    "National telecom regulator",
    "A mobile network operator",
    "A local university",
    "A community radio network",
    "Ministry of Finance",
)

# Cybersecurity resources -----------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    title: Text
    summary: Text
    resource_type: str
    audiences: tuple[str, ...]
    topics: tuple[str, ...]


RESOURCES = (
    Resource(
        tr(
            "Phishing advisory for hospitals",
            "Avis sur l'hameçonnage à l'intention des hôpitaux",
            "Aviso sobre phishing dirigido a hospitales",
            "تنبيه بشأن التصيد الاحتيالي موجّه إلى المستشفيات",
            "Предупреждение о фишинге для больниц",
            "针对医院的网络钓鱼预警",
        ),
        tr(
            "Attackers send fake messages about test results and vaccine supplies to hospital "
            "staff; the advisory lists warning signs and reporting channels.",
            "Des attaquants envoient au personnel hospitalier de faux messages sur des "
            "résultats de tests et des livraisons de vaccins ; l'avis décrit les signes "
            "d'alerte et les canaux de signalement.",
            "Los atacantes envían al personal hospitalario mensajes falsos sobre resultados de "
            "pruebas y suministros de vacunas; el aviso enumera las señales de alerta y los "
            "canales de denuncia.",
            "يرسل المهاجمون إلى العاملين في المستشفيات رسائل مزيفة عن نتائج الفحوص وإمدادات "
            "اللقاحات، ويعرض التنبيه علامات التحذير وقنوات الإبلاغ.",
            "Злоумышленники рассылают сотрудникам больниц поддельные сообщения о результатах "
            "анализов и поставках вакцин; в предупреждении перечислены признаки атаки и способы "
            "сообщить о ней.",
            "攻击者向医院工作人员发送有关检测结果和疫苗供应的虚假信息；本预警列出了识别特征和报告渠道。",
        ),
        ResourceType.ADVISORY,
        (Audience.HEALTH,),
        ("phishing", "health"),
    ),
    Resource(
        tr(
            "Ransomware prevention and recovery guide",
            "Guide de prévention et de reprise après une attaque par rançongiciel",
            "Guía de prevención y recuperación ante ransomware",
            "دليل الوقاية من برمجيات الفدية والتعافي من هجماتها",
            "Руководство по защите от программ-вымогателей и восстановлению после атак",
            "勒索软件防范与恢复指南",
        ),
        tr(
            "Step-by-step advice on offline backups, patching remote access systems and "
            "restoring services after an attack.",
            "Des conseils pas à pas sur les sauvegardes hors ligne, la mise à jour des systèmes "
            "d'accès à distance et la remise en service après une attaque.",
            "Consejos paso a paso sobre copias de seguridad fuera de línea, actualización de los "
            "sistemas de acceso remoto y restablecimiento de servicios tras un ataque.",
            "إرشادات خطوة بخطوة بشأن النسخ الاحتياطي غير المتصل بالشبكة، وتحديث أنظمة الوصول "
            "عن بعد، واستعادة الخدمات بعد الهجوم.",
            "Пошаговые рекомендации по автономному резервному копированию, обновлению систем "
            "удалённого доступа и восстановлению работы после атаки.",
            "关于离线备份、修补远程访问系统以及遭受攻击后恢复服务的分步建议。",
        ),
        ResourceType.GUIDANCE,
        (Audience.CRITICAL_INFRASTRUCTURE, Audience.SMES),
        ("ransomware", "backups"),
    ),
    Resource(
        tr(
            "Telework security checklist",
            "Liste de contrôle pour la sécurité du télétravail",
            "Lista de verificación de seguridad para el teletrabajo",
            "قائمة تحقق لأمن العمل عن بعد",
            "Контрольный список по безопасности удалённой работы",
            "远程办公安全检查清单",
        ),
        tr(
            "A one-page checklist covering home routers, multi-factor authentication, software "
            "updates and safe video meetings.",
            "Une liste d'une page consacrée aux routeurs domestiques, à l'authentification "
            "multifacteur, aux mises à jour logicielles et aux visioconférences sécurisées.",
            "Una lista de una página sobre routers domésticos, autenticación multifactor, "
            "actualizaciones de software y videollamadas seguras.",
            "قائمة من صفحة واحدة تتناول أجهزة التوجيه المنزلية، والمصادقة متعددة العوامل، "
            "وتحديثات البرمجيات، والاجتماعات المرئية الآمنة.",
            "Одностраничный список проверок: домашние маршрутизаторы, многофакторная "
            "аутентификация, обновления программ и безопасные видеовстречи.",
            "一页清单，涵盖家用路由器、多因素认证、软件更新和安全视频会议。",
        ),
        ResourceType.TOOL,
        (Audience.SMES, Audience.GOVERNMENT, Audience.PUBLIC),
        ("telework", "checklist"),
    ),
    Resource(
        tr(
            "National CIRT incident reporting service",
            "Service de signalement des incidents du CIRT national",
            "Servicio de notificación de incidentes del CIRT nacional",
            "خدمة الإبلاغ عن الحوادث لدى الفريق الوطني للاستجابة للحوادث الحاسوبية",
            "Служба приёма сообщений об инцидентах национальной группы реагирования",
            "国家计算机事件响应组事件报告服务",
        ),
        tr(
            "The national computer incident response team receives incident reports around "
            "the clock and shares indicators of compromise with registered organisations.",
            "L'équipe nationale de réponse aux incidents informatiques reçoit les signalements "
            "à toute heure et partage des indicateurs de compromission avec les organisations "
            "inscrites.",
            "El equipo nacional de respuesta a incidentes informáticos recibe notificaciones las "
            "24 horas y comparte indicadores de compromiso con las organizaciones registradas.",
            "يتلقى الفريق الوطني للاستجابة للحوادث الحاسوبية البلاغات على مدار الساعة ويتبادل "
            "مؤشرات الاختراق مع الجهات المسجلة.",
            "Национальная группа реагирования на компьютерные инциденты круглосуточно принимает "
            "сообщения и передаёт индикаторы компрометации зарегистрированным организациям.",
            "国家计算机事件响应组全天候受理事件报告，并与已注册机构共享入侵指标。",
        ),
        ResourceType.CIRT_SERVICE,
        (Audience.GOVERNMENT, Audience.CRITICAL_INFRASTRUCTURE),
        ("cirt", "incident response"),
    ),
    Resource(
        tr(
            "Awareness campaign on pandemic-related scams",
            "Campagne de sensibilisation aux arnaques liées à la pandémie",
            "Campaña de concienciación sobre estafas relacionadas con la pandemia",
            "حملة توعية بعمليات الاحتيال المرتبطة بالجائحة",
            "Информационная кампания о мошенничестве, связанном с пандемией",
            "疫情相关诈骗防范宣传活动",
        ),
        tr(
            "Short videos and posters explain how to recognise fake charity appeals, false test "
            "offers and fraudulent delivery messages.",
            "De courtes vidéos et des affiches expliquent comment reconnaître les faux appels "
            "aux dons, les fausses offres de tests et les messages de livraison frauduleux.",
            "Videos cortos y carteles explican cómo reconocer falsas campañas benéficas, ofertas "
            "de pruebas falsas y mensajes fraudulentos de entrega.",
            "تشرح مقاطع فيديو قصيرة وملصقات كيفية التعرف على نداءات التبرع الزائفة وعروض "
            "الفحوص الكاذبة ورسائل التوصيل الاحتيالية.",
            "Короткие видеоролики и плакаты объясняют, как распознать поддельные "
            "благотворительные сборы, ложные предложения тестов и мошеннические сообщения о "
            "доставке.",
            "短视频和海报介绍如何识别虚假慈善募捐、假冒检测服务和欺诈性快递短信。",
        ),
        ResourceType.CAMPAIGN,
        (Audience.PUBLIC,),
        ("scams", "awareness"),
    ),
    Resource(
        tr(
            "Online course on secure video conferencing",
            "Formation en ligne à la visioconférence sécurisée",
            "Curso en línea sobre videoconferencias seguras",
            "دورة إلكترونية حول المؤتمرات المرئية الآمنة",
            "Онлайн-курс по безопасным видеоконференциям",
            "安全视频会议在线课程",
        ),
        tr(
            "A two-hour course for public servants on meeting passwords, waiting rooms, screen "
            "sharing and recording rules.",
            "Une formation de deux heures destinée aux agents publics sur les mots de passe de "
            "réunion, les salles d'attente, le partage d'écran et les règles d'enregistrement.",
            "Un curso de dos horas para funcionarios públicos sobre contraseñas de reunión, "
            "salas de espera, uso compartido de pantalla y normas de grabación.",
            "دورة مدتها ساعتان لموظفي القطاع العام حول كلمات مرور الاجتماعات وغرف الانتظار "
            "ومشاركة الشاشة وقواعد التسجيل.",
            "Двухчасовой курс для государственных служащих о паролях для встреч, залах "
            "ожидания, демонстрации экрана и правилах записи.",
            "面向公务员的两小时课程，内容包括会议密码、等候室、屏幕共享和录制规则。",
        ),
        ResourceType.TRAINING,
        (Audience.GOVERNMENT, Audience.SMES),
        ("video conferencing", "training"),
    ),
    Resource(
        tr(
            "Securing connected medical devices",
            "Sécuriser les dispositifs médicaux connectés",
            "Seguridad de los dispositivos médicos conectados",
            "تأمين الأجهزة الطبية المتصلة بالشبكة",
            "Защита подключённых медицинских устройств",
            "联网医疗设备安全防护",
        ),
        tr(
            "Guidance for hospital IT teams on inventorying connected devices, separating them "
            "on the network and coordinating updates with manufacturers.",
            "Des recommandations aux équipes informatiques hospitalières pour inventorier les "
            "dispositifs connectés, les isoler sur le réseau et coordonner les mises à jour "
            "avec les fabricants.",
            "Orientaciones para los equipos informáticos de los hospitales sobre inventario de "
            "dispositivos conectados, segmentación de la red y coordinación de actualizaciones "
            "con los fabricantes.",
            "إرشادات لفرق تقنية المعلومات في المستشفيات بشأن حصر الأجهزة المتصلة وعزلها على "
            "الشبكة وتنسيق التحديثات مع الشركات المصنعة.",
            "Рекомендации для ИТ-служб больниц: инвентаризация подключённых устройств, их "
            "изоляция в сети и согласование обновлений с производителями.",
            "为医院信息技术团队提供的指导，内容包括清点联网设备、在网络中进行隔离以及与制造商协调更新。",
        ),
        ResourceType.GUIDANCE,
        (Audience.HEALTH, Audience.CRITICAL_INFRASTRUCTURE),
        ("medical devices", "health"),
    ),
    Resource(
        tr(
            "Online safety tips for parents during school closures",
            "Conseils de sécurité en ligne pour les parents pendant la fermeture des écoles",
            "Consejos de seguridad en línea para familias durante el cierre de las escuelas",
            "نصائح للأهل بشأن السلامة على الإنترنت خلال إغلاق المدارس",
            "Советы родителям по безопасности детей в интернете во время закрытия школ",
            "学校停课期间给家长的网络安全提示",
        ),
        tr(
            "Practical tips on parental controls, privacy settings and talking with children "
            "about what they see online.",
            "Des conseils pratiques sur le contrôle parental, les paramètres de confidentialité "
            "et le dialogue avec les enfants sur ce qu'ils voient en ligne.",
            "Consejos prácticos sobre control parental, configuración de privacidad y cómo "
            "hablar con los niños sobre lo que ven en internet.",
            "نصائح عملية بشأن أدوات الرقابة الأبوية وإعدادات الخصوصية والتحدث مع الأطفال عما "
            "يشاهدونه على الإنترنت.",
            "Практические советы о родительском контроле, настройках конфиденциальности и о "
            "том, как говорить с детьми об увиденном в интернете.",
            "关于家长控制、隐私设置以及如何与孩子谈论网上所见内容的实用建议。",
        ),
        ResourceType.GUIDANCE,
        (Audience.PUBLIC,),
        ("child online protection",),
    ),
)

# Services and campaigns run on; documents come out in editions.
EDITIONED_RESOURCES = {ResourceType.GUIDANCE, ResourceType.ADVISORY, ResourceType.TOOL}

# News, podcast episodes, videos and reports ----------------------------------------------


@dataclass(frozen=True)
class Story:
    title: Text
    summary: Text
    tags: tuple[str, ...] = ()


NEWS = (
    Story(
        tr(
            "Regulators share lessons on keeping networks running",
            "Les régulateurs partagent leurs enseignements sur la continuité des réseaux",
            "Los reguladores comparten lecciones sobre la continuidad de las redes",
            "الهيئات التنظيمية تتبادل الدروس المستفادة بشأن استمرارية عمل الشبكات",
            "Регуляторы делятся опытом обеспечения бесперебойной работы сетей",
            "监管机构分享保障网络运行的经验",
        ),
        tr(
            "At an online roundtable, regulators from the region compared how they handled "
            "traffic surges and which emergency measures they intend to keep.",
            "Lors d'une table ronde en ligne, des régulateurs de la région ont comparé leur "
            "gestion des hausses de trafic et les mesures d'urgence qu'ils comptent conserver.",
            "En una mesa redonda virtual, reguladores de la región compararon cómo gestionaron "
            "los aumentos de tráfico y qué medidas de emergencia piensan mantener.",
            "في اجتماع إلكتروني، قارن ممثلو هيئات تنظيمية من المنطقة أساليب تعاملهم مع الارتفاع "
            "المفاجئ في حركة البيانات والتدابير الطارئة التي ينوون الإبقاء عليها.",
            "На онлайн-круглом столе регуляторы региона сравнили, как они справлялись с ростом "
            "трафика и какие экстренные меры намерены сохранить.",
            "在一次线上圆桌会议上，本地区监管机构比较了各自应对流量激增的做法以及打算保留的应急措施。",
        ),
        ("regulation",),
    ),
    Story(
        tr(
            "Mobile data traffic stabilises after the first months of the pandemic",
            "Le trafic de données mobiles se stabilise après les premiers mois de la pandémie",
            "El tráfico de datos móviles se estabiliza tras los primeros meses de la pandemia",
            "استقرار حركة بيانات الهواتف المتنقلة بعد الأشهر الأولى من الجائحة",
            "Мобильный трафик стабилизировался после первых месяцев пандемии",
            "疫情最初几个月后移动数据流量趋于稳定",
        ),
        tr(
            "Operators report that daytime traffic remains higher than before the crisis, but "
            "evening peaks have returned to usual levels.",
            "Les opérateurs indiquent que le trafic en journée reste supérieur à son niveau "
            "d'avant la crise, mais que les pics du soir sont revenus à la normale.",
            "Los operadores informan de que el tráfico diurno sigue siendo mayor que antes de la "
            "crisis, pero los picos nocturnos han vuelto a los niveles habituales.",
            "يفيد المشغلون بأن حركة البيانات خلال النهار لا تزال أعلى مما كانت عليه قبل الأزمة، "
            "لكن ذروة المساء عادت إلى مستوياتها المعتادة.",
            "Операторы сообщают, что дневной трафик остаётся выше докризисного, но вечерние "
            "пики вернулись к обычному уровню.",
            "运营商表示，白天流量仍高于危机前水平，但晚间峰值已恢复正常。",
        ),
        ("traffic",),
    ),
    Story(
        tr(
            "New fund to connect health centres in rural areas",
            "Un nouveau fonds pour connecter les centres de santé en zone rurale",
            "Un nuevo fondo para conectar los centros de salud en zonas rurales",
            "صندوق جديد لربط المراكز الصحية في المناطق الريفية",
            "Новый фонд для подключения сельских медицинских центров",
            "新设基金为农村卫生中心接入网络",
        ),
        tr(
            "The fund will co-finance satellite and microwave links for health centres that "
            "still lack a reliable connection.",
            "Le fonds cofinancera des liaisons par satellite et par faisceaux hertziens pour les "
            "centres de santé qui ne disposent toujours pas d'une connexion fiable.",
            "El fondo cofinanciará enlaces satelitales y de microondas para los centros de salud "
            "que aún carecen de una conexión fiable.",
            "سيشارك الصندوق في تمويل وصلات عبر الأقمار الصناعية والموجات الدقيقة للمراكز الصحية "
            "التي لا تزال تفتقر إلى اتصال موثوق.",
            "Фонд будет софинансировать спутниковые и радиорелейные каналы для медицинских "
            "центров, у которых до сих пор нет надёжного подключения.",
            "该基金将为仍缺乏可靠连接的卫生中心共同出资建设卫星和微波链路。",
        ),
        ("health", "rural"),
    ),
    Story(
        tr(
            "Cybersecurity agencies warn of a rise in phishing",
            "Les agences de cybersécurité signalent une hausse de l'hameçonnage",
            "Las agencias de ciberseguridad alertan de un aumento del phishing",
            "وكالات الأمن السيبراني تحذر من تزايد هجمات التصيد الاحتيالي",
            "Агентства по кибербезопасности предупреждают о росте фишинга",
            "网络安全机构警告网络钓鱼攻击增多",
        ),
        tr(
            "Reported phishing attempts doubled in a quarter, most of them imitating delivery "
            "services and health authorities.",
            "Le nombre de tentatives d'hameçonnage signalées a doublé en un trimestre ; la "
            "plupart imitent des services de livraison et des autorités sanitaires.",
            "Los intentos de phishing denunciados se duplicaron en un trimestre y la mayoría "
            "suplantaban a servicios de mensajería y autoridades sanitarias.",
            "تضاعف عدد محاولات التصيد الاحتيالي المُبلّغ عنها خلال ربع سنة، وانتحل معظمها صفة "
            "شركات التوصيل والسلطات الصحية.",
            "За квартал число зарегистрированных попыток фишинга удвоилось; большинство из них "
            "маскировались под службы доставки и органы здравоохранения.",
            "一个季度内报告的网络钓鱼企图数量翻了一番，其中大多数冒充快递服务和卫生部门。",
        ),
        ("phishing", "cybersecurity"),
    ),
    Story(
        tr(
            "Schools reopen with hybrid classes and new connectivity targets",
            "Les écoles rouvrent avec des cours hybrides et de nouveaux objectifs de connectivité",
            "Las escuelas reabren con clases híbridas y nuevas metas de conectividad",
            "إعادة فتح المدارس مع حصص مدمجة وأهداف جديدة للربط بالإنترنت",
            "Школы открываются со смешанным форматом обучения и новыми целями по подключению",
            "学校复课，推行混合式教学并设定新的联网目标",
        ),
        tr(
            "The education ministry plans to connect every secondary school by the end of next "
            "year and keep online lessons as a fallback.",
            "Le ministère de l'Éducation prévoit de connecter tous les établissements "
            "secondaires d'ici à la fin de l'année prochaine et de conserver les cours en ligne "
            "en solution de repli.",
            "El ministerio de Educación prevé conectar todas las escuelas secundarias antes de "
            "fines del próximo año y mantener las clases en línea como alternativa.",
            "تعتزم وزارة التربية ربط جميع المدارس الثانوية بالإنترنت بحلول نهاية العام المقبل "
            "والإبقاء على الدروس الإلكترونية كخيار احتياطي.",
            "Министерство образования планирует подключить все средние школы до конца "
            "следующего года и сохранить онлайн-уроки как резервный вариант.",
            "教育主管部门计划在明年年底前为所有中学接入网络，并保留在线课程作为备用方案。",
        ),
        ("education", "school connectivity"),
    ),
    Story(
        tr(
            "Operators extend emergency offers for another three months",
            "Les opérateurs prolongent leurs offres d'urgence de trois mois",
            "Los operadores prorrogan tres meses más sus ofertas de emergencia",
            "المشغلون يمددون العروض الطارئة ثلاثة أشهر أخرى",
            "Операторы продлили экстренные предложения ещё на три месяца",
            "运营商将应急优惠再延长三个月",
        ),
        tr(
            "Free data for health sites and relaxed payment terms will continue, the operators' "
            "association announced.",
            "L'accès gratuit aux sites de santé et l'assouplissement des conditions de paiement "
            "sont maintenus, a annoncé l'association des opérateurs.",
            "Los datos gratuitos para sitios de salud y las condiciones de pago flexibles "
            "continuarán, anunció la asociación de operadores.",
            "أعلنت رابطة المشغلين استمرار إتاحة المواقع الصحية مجاناً وتيسير شروط السداد.",
            "Бесплатный доступ к сайтам о здоровье и мягкие условия оплаты сохранятся, сообщила "
            "ассоциация операторов.",
            "运营商协会宣布，免费访问卫生网站和宽松的缴费条件将继续实行。",
        ),
        ("zero-rating", "affordability"),
    ),
    Story(
        tr(
            "Submarine cable repair restores international capacity",
            "La réparation d'un câble sous-marin rétablit la capacité internationale",
            "La reparación de un cable submarino restablece la capacidad internacional",
            "إصلاح كابل بحري يعيد سعة الاتصال الدولية",
            "Ремонт подводного кабеля восстановил международную пропускную способность",
            "海底光缆修复后国际带宽恢复",
        ),
        tr(
            "A repair ship fixed a cable fault that had slowed international traffic for two "
            "weeks; operators had rerouted traffic over satellite links.",
            "Un navire câblier a réparé une panne qui ralentissait le trafic international "
            "depuis deux semaines ; les opérateurs avaient dérouté le trafic par satellite.",
            "Un buque cablero reparó una avería que había ralentizado el tráfico internacional "
            "durante dos semanas; los operadores habían desviado el tráfico por enlaces "
            "satelitales.",
            "أصلحت سفينة متخصصة عطلاً في الكابل أبطأ حركة البيانات الدولية لمدة أسبوعين، وكان "
            "المشغلون قد حوّلوا الحركة عبر وصلات الأقمار الصناعية.",
            "Судно-кабелеукладчик устранило неисправность, которая две недели замедляла "
            "международный трафик; на это время операторы перенаправили трафик через "
            "спутниковые каналы.",
            "一艘维修船修复了导致国际流量放缓两周的光缆故障；此前运营商已将流量改经卫星链路传输。",
        ),
        ("submarine cables", "outage"),
    ),
    Story(
        tr(
            "Regional workshop on emergency telecommunications plans",
            "Atelier régional sur les plans de télécommunications d'urgence",
            "Taller regional sobre planes de telecomunicaciones de emergencia",
            "ورشة عمل إقليمية حول خطط اتصالات الطوارئ",
            "Региональный семинар по планам электросвязи в чрезвычайных ситуациях",
            "应急通信计划区域研讨会",
        ),
        tr(
            "Participants reviewed national emergency telecommunications plans and agreed to run "
            "a joint exercise next year.",
            "Les participants ont examiné les plans nationaux de télécommunications d'urgence et "
            "sont convenus d'organiser un exercice conjoint l'an prochain.",
            "Los participantes examinaron los planes nacionales de telecomunicaciones de "
            "emergencia y acordaron realizar un ejercicio conjunto el próximo año.",
            "استعرض المشاركون الخطط الوطنية لاتصالات الطوارئ واتفقوا على إجراء تمرين مشترك في "
            "العام المقبل.",
            "Участники рассмотрели национальные планы электросвязи в чрезвычайных ситуациях и "
            "договорились провести совместные учения в следующем году.",
            "与会者审议了各国应急通信计划，并商定明年举行联合演练。",
        ),
        ("emergency telecommunications",),
    ),
)
NEWS_SOURCE = tr(
    "Digital Resilience Bulletin",
    "Bulletin de la résilience numérique",
    "Boletín de Resiliencia Digital",
    "نشرة المرونة الرقمية",
    "Бюллетень цифровой устойчивости",
    "数字韧性简报",
)

EPISODE_TITLE = tr(
    "Episode {n}: {t}",
    "Épisode {n} : {t}",
    "Episodio {n}: {t}",
    "الحلقة {n}: {t}",
    "Выпуск {n}: {t}",
    "第{n}期：{t}",
)
EPISODES = (
    Story(
        tr(
            "Keeping hospitals online",
            "Maintenir les hôpitaux connectés",
            "Mantener los hospitales conectados",
            "الحفاظ على اتصال المستشفيات بالشبكة",
            "Как сохранить связь в больницах",
            "保障医院网络畅通",
        ),
        tr(
            "Network engineers describe how they kept hospital links running while demand tripled.",
            "Des ingénieurs réseau racontent comment ils ont maintenu les liaisons des hôpitaux "
            "alors que la demande triplait.",
            "Ingenieros de redes cuentan cómo mantuvieron los enlaces de los hospitales mientras "
            "la demanda se triplicaba.",
            "يروي مهندسو شبكات كيف حافظوا على عمل وصلات المستشفيات بينما تضاعف الطلب ثلاث مرات.",
            "Сетевые инженеры рассказывают, как обеспечивали работу каналов связи больниц, когда "
            "спрос вырос втрое.",
            "网络工程师讲述他们如何在需求增长两倍的情况下保障医院链路正常运行。",
        ),
        ("health", "networks"),
    ),
    Story(
        tr(
            "Teaching without internet",
            "Enseigner sans internet",
            "Enseñar sin internet",
            "التعليم من دون إنترنت",
            "Обучение без интернета",
            "没有互联网的教学",
        ),
        tr(
            "Teachers and radio producers talk about lessons broadcast on community radio and "
            "what pupils learned from them.",
            "Des enseignants et des producteurs radio parlent des cours diffusés sur les radios "
            "communautaires et de ce que les élèves en ont retenu.",
            "Docentes y productores de radio hablan de las clases emitidas por radios "
            "comunitarias y de lo que aprendieron los alumnos.",
            "يتحدث معلمون ومنتجو برامج إذاعية عن الدروس التي بُثت عبر الإذاعات المجتمعية وما "
            "تعلمه التلاميذ منها.",
            "Учителя и радиопродюсеры рассказывают об уроках в эфире местных радиостанций и о "
            "том, чему по ним научились школьники.",
            "教师和广播节目制作人谈论通过社区电台播出的课程以及学生的收获。",
        ),
        ("education", "radio"),
    ),
    Story(
        tr(
            "Spectrum in a hurry",
            "Des fréquences dans l'urgence",
            "Espectro con urgencia",
            "الطيف الترددي في حالات الطوارئ",
            "Частоты в срочном порядке",
            "紧急频谱分配",
        ),
        tr(
            "A conversation about temporary spectrum licences: how fast they were granted and "
            "what happened when they expired.",
            "Une conversation sur les licences temporaires de fréquences : la rapidité de leur "
            "attribution et ce qui s'est passé à leur expiration.",
            "Una conversación sobre las licencias temporales de espectro: con qué rapidez se "
            "otorgaron y qué ocurrió cuando vencieron.",
            "حوار حول التراخيص المؤقتة للطيف الترددي: مدى سرعة منحها وما حدث عند انتهاء صلاحيتها.",
            "Разговор о временных лицензиях на частоты: как быстро их выдавали и что произошло, "
            "когда срок их действия истёк.",
            "一场关于临时频谱许可的对话：许可发放的速度以及到期后的情况。",
        ),
        ("spectrum",),
    ),
    Story(
        tr(
            "Scams, fear and phishing",
            "Arnaques, peur et hameçonnage",
            "Estafas, miedo y phishing",
            "الاحتيال والخوف والتصيد الاحتيالي",
            "Мошенничество, страх и фишинг",
            "诈骗、恐慌与网络钓鱼",
        ),
        tr(
            "Incident responders explain why crises bring a wave of scams and how people can "
            "protect themselves.",
            "Des spécialistes de la réponse aux incidents expliquent pourquoi les crises "
            "s'accompagnent d'une vague d'arnaques et comment s'en protéger.",
            "Especialistas en respuesta a incidentes explican por qué las crisis traen una ola "
            "de estafas y cómo protegerse.",
            "يشرح مختصون في الاستجابة للحوادث لماذا تجلب الأزمات موجة من عمليات الاحتيال وكيف "
            "يمكن للناس حماية أنفسهم.",
            "Специалисты по реагированию на инциденты объясняют, почему кризисы сопровождаются "
            "волной мошенничества и как от него защититься.",
            "事件响应人员解释为何危机会引发诈骗潮，以及人们如何保护自己。",
        ),
        ("phishing", "scams"),
    ),
    Story(
        tr(
            "Community networks in remote places",
            "Les réseaux communautaires dans les zones isolées",
            "Redes comunitarias en lugares remotos",
            "الشبكات المجتمعية في المناطق النائية",
            "Общественные сети в отдалённых местах",
            "偏远地区的社区网络",
        ),
        tr(
            "Builders of small community networks share what it takes to keep them running "
            "with little money and solar power.",
            "Des bâtisseurs de petits réseaux communautaires expliquent ce qu'il faut pour les "
            "faire fonctionner avec peu d'argent et l'énergie solaire.",
            "Constructores de pequeñas redes comunitarias cuentan qué hace falta para "
            "mantenerlas con poco dinero y energía solar.",
            "يشارك القائمون على شبكات مجتمعية صغيرة ما يلزم لتشغيلها بموارد مالية قليلة "
            "وبالطاقة الشمسية.",
            "Создатели небольших общественных сетей рассказывают, как поддерживать их работу "
            "при скромном бюджете и солнечном питании.",
            "小型社区网络的建设者分享如何在资金有限的情况下依靠太阳能维持网络运行。",
        ),
        ("community networks",),
    ),
    Story(
        tr(
            "What to keep after the emergency",
            "Ce qu'il faut garder après l'urgence",
            "Qué conservar después de la emergencia",
            "ما الذي ينبغي الإبقاء عليه بعد انتهاء الطوارئ",
            "Что сохранить после чрезвычайной ситуации",
            "紧急状态结束后应保留什么",
        ),
        tr(
            "Policy makers discuss which emergency measures became permanent and which were "
            "quietly dropped.",
            "Des décideurs examinent quelles mesures d'urgence sont devenues permanentes et "
            "lesquelles ont été abandonnées sans bruit.",
            "Responsables de políticas analizan qué medidas de emergencia se volvieron "
            "permanentes y cuáles se abandonaron discretamente.",
            "يناقش صانعو السياسات التدابير الطارئة التي أصبحت دائمة وتلك التي جرى التخلي عنها "
            "بهدوء.",
            "Представители органов власти обсуждают, какие экстренные меры стали постоянными, а "
            "от каких тихо отказались.",
            "政策制定者讨论哪些应急措施已成为长期制度，哪些已被悄然取消。",
        ),
        ("policy", "recovery"),
    ),
)
FIRST_EPISODE = dt.date(2020, 4, 7)
EPISODE_INTERVAL = dt.timedelta(days=91)  # a quarterly series: 20 episodes to the end of 2024

VIDEOS = (
    Story(
        tr(
            "How a regulator managed the traffic surge",
            "Comment un régulateur a géré l'explosion du trafic",
            "Cómo un regulador gestionó el aumento del tráfico",
            "كيف تعاملت هيئة تنظيمية مع الارتفاع المفاجئ في حركة البيانات",
            "Как регулятор справился с резким ростом трафика",
            "监管机构如何应对流量激增",
        ),
        tr(
            "A short documentary on the daily coordination calls between the regulator and "
            "operators in the first weeks of the pandemic.",
            "Un court documentaire sur les réunions quotidiennes de coordination entre le "
            "régulateur et les opérateurs pendant les premières semaines de la pandémie.",
            "Un breve documental sobre las reuniones diarias de coordinación entre el regulador "
            "y los operadores en las primeras semanas de la pandemia.",
            "فيلم وثائقي قصير عن اجتماعات التنسيق اليومية بين الهيئة التنظيمية والمشغلين في "
            "الأسابيع الأولى من الجائحة.",
            "Короткий документальный фильм о ежедневных координационных совещаниях регулятора и "
            "операторов в первые недели пандемии.",
            "一部短纪录片，讲述疫情最初几周监管机构与运营商每天召开的协调会议。",
        ),
        ("traffic", "regulation"),
    ),
    Story(
        tr(
            "Radio school: a day in the studio",
            "L'école à la radio : une journée au studio",
            "La escuela por radio: un día en el estudio",
            "المدرسة عبر الأثير: يوم في الاستوديو",
            "Школа в эфире: один день в студии",
            "空中课堂：演播室的一天",
        ),
        tr(
            "Teachers record the next day's lessons and answer pupils' questions sent by SMS.",
            "Des enseignants enregistrent les cours du lendemain et répondent aux questions "
            "envoyées par SMS par les élèves.",
            "Docentes graban las clases del día siguiente y responden las preguntas que los "
            "alumnos envían por SMS.",
            "يسجل المعلمون دروس اليوم التالي ويجيبون عن أسئلة التلاميذ المرسلة بالرسائل القصيرة.",
            "Учителя записывают уроки на следующий день и отвечают на вопросы школьников, "
            "присланные по SMS.",
            "教师录制第二天的课程，并解答学生通过短信发来的问题。",
        ),
        ("education", "radio"),
    ),
    Story(
        tr(
            "Spotting a phishing message in 60 seconds",
            "Repérer un message d'hameçonnage en 60 secondes",
            "Detectar un mensaje de phishing en 60 segundos",
            "كيف تكتشف رسالة تصيد احتيالي في 60 ثانية",
            "Как распознать фишинговое сообщение за 60 секунд",
            "60秒识别钓鱼信息",
        ),
        tr(
            "An animated explainer showing the five signs of a phishing message.",
            "Une animation pédagogique qui présente les cinq signes d'un message d'hameçonnage.",
            "Una animación explicativa que muestra las cinco señales de un mensaje de phishing.",
            "رسوم متحركة توضيحية تعرض خمس علامات تدل على رسالة التصيد الاحتيالي.",
            "Анимационный ролик о пяти признаках фишингового сообщения.",
            "一段动画讲解视频，展示网络钓鱼信息的五个特征。",
        ),
        ("phishing", "awareness"),
    ),
    Story(
        tr(
            "Building a solar-powered community network",
            "Construire un réseau communautaire alimenté à l'énergie solaire",
            "Construir una red comunitaria alimentada con energía solar",
            "بناء شبكة مجتمعية تعمل بالطاقة الشمسية",
            "Как построить общественную сеть на солнечной энергии",
            "建设太阳能供电的社区网络",
        ),
        tr(
            "Volunteers install antennas and solar panels and train local technicians to "
            "maintain them.",
            "Des bénévoles installent des antennes et des panneaux solaires et forment des "
            "techniciens locaux à leur entretien.",
            "Voluntarios instalan antenas y paneles solares y capacitan a técnicos locales para "
            "su mantenimiento.",
            "يركّب متطوعون هوائيات وألواحاً شمسية ويدربون فنيين محليين على صيانتها.",
            "Волонтёры устанавливают антенны и солнечные панели и обучают местных техников их "
            "обслуживанию.",
            "志愿者安装天线和太阳能电池板，并培训当地技术人员进行维护。",
        ),
        ("community networks", "solar"),
    ),
    Story(
        tr(
            "Telemedicine from the patient's side",
            "La télémédecine du point de vue des patients",
            "La telemedicina desde el punto de vista del paciente",
            "التطبيب عن بعد من منظور المريض",
            "Телемедицина глазами пациентов",
            "患者眼中的远程医疗",
        ),
        tr(
            "Patients in rural areas describe their first video consultations and what could be "
            "improved.",
            "Des patients en zone rurale décrivent leurs premières téléconsultations et ce qui "
            "pourrait être amélioré.",
            "Pacientes de zonas rurales describen sus primeras videoconsultas y lo que podría "
            "mejorarse.",
            "يصف مرضى في المناطق الريفية تجاربهم الأولى مع الاستشارات المرئية وما يمكن تحسينه.",
            "Пациенты из сельской местности рассказывают о первых видеоконсультациях и о том, "
            "что можно улучшить.",
            "农村地区的患者讲述他们第一次视频问诊的经历以及有待改进之处。",
        ),
        ("telemedicine",),
    ),
)
SPEAKERS = {
    "en": ("Narrator:", "Interviewee:"),
    "fr": ("Narratrice :", "Personne interrogée :"),
    "es": ("Narradora:", "Persona entrevistada:"),
    "ar": ("الراوي:", "ضيف الحلقة:"),
    "ru": ("Диктор:", "Собеседник:"),
    "zh-hans": ("旁白：", "受访者："),
}
GUEST_LINES = {
    "en": (
        "The first week was the hardest, because nobody knew how long the crisis would last.",
        "We learned that simple tools, like SMS, reach more people than apps.",
        "Our advice is to prepare the plan before the next emergency, not during it.",
    ),
    "fr": (
        "La première semaine a été la plus difficile, car personne ne savait combien de temps "
        "la crise durerait.",
        "Nous avons appris que des outils simples, comme les SMS, touchent plus de monde que "
        "les applications.",
        "Notre conseil : préparer le plan avant la prochaine urgence, pas pendant.",
    ),
    "es": (
        "La primera semana fue la más difícil, porque nadie sabía cuánto duraría la crisis.",
        "Aprendimos que las herramientas sencillas, como los SMS, llegan a más personas que las "
        "aplicaciones.",
        "Nuestro consejo es preparar el plan antes de la próxima emergencia, no durante ella.",
    ),
    "ar": (
        "كان الأسبوع الأول هو الأصعب، لأن أحداً لم يكن يعرف كم ستستمر الأزمة.",
        "تعلمنا أن الأدوات البسيطة، مثل الرسائل القصيرة، تصل إلى عدد أكبر من الناس مقارنة "
        "بالتطبيقات.",
        "نصيحتنا هي إعداد الخطة قبل حالة الطوارئ المقبلة، لا في أثنائها.",
    ),
    "ru": (
        "Первая неделя была самой трудной, потому что никто не знал, сколько продлится кризис.",
        "Мы поняли, что простые инструменты, например SMS, охватывают больше людей, чем "
        "приложения.",
        "Наш совет — готовить план до следующей чрезвычайной ситуации, а не во время неё.",
    ),
    "zh-hans": (
        "第一周最艰难，因为没有人知道危机会持续多久。",
        "我们认识到，短信这样的简单工具比应用程序能覆盖更多的人。",
        "我们的建议是在下一次紧急情况到来之前就制定好计划，而不是临时应对。",
    ),
}

REPORTS = (
    Story(
        tr(
            "Network resilience during the pandemic: lessons for regulators",
            "La résilience des réseaux pendant la pandémie : enseignements pour les régulateurs",
            "Resiliencia de las redes durante la pandemia: lecciones para los reguladores",
            "مرونة الشبكات خلال الجائحة: دروس للهيئات التنظيمية",
            "Устойчивость сетей во время пандемии: уроки для регуляторов",
            "疫情期间的网络韧性：对监管机构的启示",
        ),
        tr(
            "The report reviews emergency measures taken by regulators and recommends which of "
            "them to keep in national emergency plans.",
            "Le rapport passe en revue les mesures d'urgence prises par les régulateurs et "
            "recommande celles à conserver dans les plans nationaux d'urgence.",
            "El informe examina las medidas de emergencia adoptadas por los reguladores y "
            "recomienda cuáles mantener en los planes nacionales de emergencia.",
            "يستعرض التقرير التدابير الطارئة التي اتخذتها الهيئات التنظيمية ويوصي بما ينبغي "
            "الإبقاء عليه منها في خطط الطوارئ الوطنية.",
            "В докладе рассматриваются экстренные меры регуляторов и даются рекомендации о том, "
            "какие из них сохранить в национальных планах действий в чрезвычайных ситуациях.",
            "报告回顾了各监管机构采取的应急措施，并建议将其中哪些纳入国家应急计划。",
        ),
        ("network resilience", "regulation"),
    ),
    Story(
        tr(
            "Connecting schools after the crisis",
            "Connecter les écoles après la crise",
            "Conectar las escuelas después de la crisis",
            "ربط المدارس بالإنترنت بعد الأزمة",
            "Подключение школ после кризиса",
            "危机过后的学校联网",
        ),
        tr(
            "An assessment of school connectivity programmes, with cost estimates for connecting "
            "the remaining schools.",
            "Une évaluation des programmes de connexion des écoles, avec une estimation du coût "
            "de raccordement des écoles restantes.",
            "Una evaluación de los programas de conectividad escolar, con estimaciones del costo "
            "de conectar las escuelas restantes.",
            "تقييم لبرامج ربط المدارس بالإنترنت، مع تقديرات لتكلفة ربط المدارس المتبقية.",
            "Оценка программ подключения школ и расчёт стоимости подключения оставшихся школ.",
            "对学校联网项目的评估，并估算连接其余学校所需的成本。",
        ),
        ("school connectivity",),
    ),
    Story(
        tr(
            "Cyber threats to health systems: a regional overview",
            "Les cybermenaces visant les systèmes de santé : panorama régional",
            "Ciberamenazas contra los sistemas de salud: panorama regional",
            "التهديدات السيبرانية للأنظمة الصحية: نظرة إقليمية",
            "Киберугрозы для систем здравоохранения: региональный обзор",
            "卫生系统面临的网络威胁：区域概览",
        ),
        tr(
            "Based on incident reports from national response teams, the report describes the "
            "most common attacks on hospitals and suggests priorities for protection.",
            "À partir des signalements des équipes nationales de réponse, le rapport décrit les "
            "attaques les plus fréquentes contre les hôpitaux et propose des priorités de "
            "protection.",
            "A partir de los informes de incidentes de los equipos nacionales de respuesta, el "
            "informe describe los ataques más comunes contra hospitales y propone prioridades de "
            "protección.",
            "استناداً إلى بلاغات الحوادث الواردة من الفرق الوطنية للاستجابة، يصف التقرير أكثر "
            "الهجمات شيوعاً على المستشفيات ويقترح أولويات للحماية.",
            "На основе сообщений национальных групп реагирования в докладе описаны самые "
            "распространённые атаки на больницы и предложены приоритеты защиты.",
            "报告根据各国响应小组的事件报告，描述了针对医院的最常见攻击，并提出了防护重点。",
        ),
        ("cybersecurity", "health"),
    ),
    Story(
        tr(
            "Affordable connectivity for low-income households",
            "Une connectivité abordable pour les ménages à faible revenu",
            "Conectividad asequible para hogares de bajos ingresos",
            "اتصال ميسور التكلفة للأسر ذات الدخل المنخفض",
            "Доступная связь для малообеспеченных семей",
            "为低收入家庭提供可负担的网络连接",
        ),
        tr(
            "The study compares subsidy schemes for data and devices and estimates how many "
            "households they reached.",
            "L'étude compare les dispositifs de subvention des données et des équipements et "
            "estime le nombre de ménages touchés.",
            "El estudio compara los programas de subsidio de datos y dispositivos y estima "
            "cuántos hogares alcanzaron.",
            "تقارن الدراسة بين برامج دعم البيانات والأجهزة وتقدّر عدد الأسر التي استفادت منها.",
            "В исследовании сравниваются программы субсидирования трафика и устройств и "
            "оценивается, сколько семей они охватили.",
            "该研究比较了流量和终端补贴计划，并估算了受益家庭的数量。",
        ),
        ("affordability", "digital inclusion"),
    ),
    Story(
        tr(
            "Emergency telecommunications: a planning handbook",
            "Télécommunications d'urgence : guide de planification",
            "Telecomunicaciones de emergencia: manual de planificación",
            "اتصالات الطوارئ: دليل للتخطيط",
            "Электросвязь в чрезвычайных ситуациях: руководство по планированию",
            "应急通信：规划手册",
        ),
        tr(
            "A handbook for preparing national emergency telecommunications plans, with "
            "templates and exercise scenarios.",
            "Un guide pour préparer les plans nationaux de télécommunications d'urgence, avec "
            "des modèles et des scénarios d'exercice.",
            "Un manual para preparar planes nacionales de telecomunicaciones de emergencia, con "
            "plantillas y escenarios de simulacro.",
            "دليل لإعداد الخطط الوطنية لاتصالات الطوارئ، يتضمن نماذج وسيناريوهات للتمارين.",
            "Руководство по подготовке национальных планов электросвязи в чрезвычайных "
            "ситуациях с шаблонами и сценариями учений.",
            "一本用于编制国家应急通信计划的手册，附有模板和演练场景。",
        ),
        ("emergency telecommunications", "planning"),
    ),
)
PUBLISHERS = tr(
    "Resilnet Policy Observatory",
    "Observatoire des politiques numériques",
    "Observatorio de Políticas de Conectividad",
    "مرصد سياسات الاتصالات",
    "Центр исследований цифровой устойчивости",
    "数字韧性研究中心",
)

# Moderation ----------------------------------------------------------------------------

CHANGE_REQUESTS = (
    "Please add a link to the official announcement.",
    "Please say in the summary who the measure or project is for.",
    "Please add the end date if this has ended.",
    "Please split the two initiatives described here into separate records.",
)
EDIT_NOTE = "Adds a link to the follow-up announcement."


# Planning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    iso3: str
    region: str
    weight: int


@dataclass
class Plan:
    n: int
    status: str
    content: dict[str, Any]
    reason: str = ""
    edit: dict[str, Any] = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        return f"{EXTERNAL_PREFIX}{self.n}"


class Gazetteer:
    """The countries records may be about, with the weights the demo draws them by."""

    def __init__(self) -> None:
        self.places: list[Place] = []
        for iso3, region, ldc, sids in (
            core_selectors.countries()
            .filter(itu_region__isnull=False)
            .order_by("iso3")
            .values_list("iso3", "itu_region__code", "ldc", "sids")
        ):
            weight = LDC_SIDS_WEIGHT if (ldc or sids) else 1
            self.places.append(Place(iso3, region, weight))
        if not self.places:
            raise RuntimeError("No countries with an ITU region: load the reference data first.")
        self.by_iso3 = {place.iso3: place for place in self.places}

    def _draw(self, rng: random.Random, places: list[Place]) -> Place:
        return rng.choices(places, weights=[p.weight for p in places])[0]

    def primary(self, rng: random.Random, language: str) -> Place:
        if language in COUNTRIES_BY_LANGUAGE:
            pool = [self.by_iso3[c] for c in COUNTRIES_BY_LANGUAGE[language] if c in self.by_iso3]
            if pool:
                return self._draw(rng, pool)
        regions = [r for r in REGION_WEIGHTS if any(p.region == r for p in self.places)]
        region = (
            REGION_BY_LANGUAGE.get(language)
            or rng.choices(regions, weights=[REGION_WEIGHTS[r] for r in regions])[0]
        )
        return self._draw(rng, [p for p in self.places if p.region == region] or self.places)

    def neighbours(self, rng: random.Random, place: Place, count: int) -> list[str]:
        pool = [p for p in self.places if p.region == place.region and p != place]
        return [p.iso3 for p in rng.sample(pool, min(count, len(pool)))]

    def anywhere(self, rng: random.Random, count: int) -> list[str]:
        return [p.iso3 for p in rng.sample(self.places, min(count, len(self.places)))]


def _block(seed: int, name: str, index: int, slots: list[Any]) -> list[Any]:
    deck = list(slots)
    random.Random(f"{seed}/{name}/{index}").shuffle(deck)
    return deck


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _date(rng: random.Random, year_weights: tuple[int, ...] = (35, 25, 15, 13, 12)) -> dt.date:
    year = rng.choices(range(2020, 2025), weights=year_weights)[0]
    start = FIRST_DAY if year == 2020 else dt.date(year, 1, 1)
    return _day(rng, start, dt.date(year, 12, 31))


def _isbn(n: int) -> str:
    """A made-up ISBN-13 under registrant 0000 of group 0, with a valid check digit."""
    digits = f"97800000{n % 10000:04d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    return f"978-0-0000-{n % 10000:04d}-{(10 - total % 10) % 10}"


def _phase(day: dt.date) -> Phase:
    if day < dt.date(2020, 10, 1):
        return Phase.EMERGENCY
    if day < dt.date(2022, 1, 1):
        return Phase.RECOVERY
    return Phase.NEW_NORMAL


def _translations(rng: random.Random, language: str) -> list[str]:
    if rng.random() >= TRANSLATED_SHARE:
        return []
    others = [lang for lang in LANGUAGES if lang != language]
    # English is what most readers look for, so most translations are into English.
    if language != "en" and rng.random() < 0.6:
        extra = [rng.choice([o for o in others if o != "en"])] if rng.random() < 0.3 else []
        return ["en", *extra]
    return rng.sample(others, 2 if rng.random() < 0.3 else 1)


def _measure(rng: random.Random, n: int, languages: list[str]) -> tuple[Text, Text, dict[str, Any]]:
    action = rng.choice(ACTIONS)
    authority_type = rng.choice(action.authorities)
    authority = AUTHORITIES[authority_type]
    binding = (
        Binding.MANDATORY
        if authority_type in (REG, MIN, OTH) and not action.voluntary
        else Binding.VOLUNTARY
    )
    announced = _date(rng, (50, 25, 10, 8, 7))
    phase = _phase(announced)
    effective = min(announced + dt.timedelta(days=rng.randrange(0, 11)), LAST_DAY)
    ends: dt.date | None = None
    chance_of_end = {Phase.EMERGENCY: 0.7, Phase.RECOVERY: 0.45, Phase.NEW_NORMAL: 0.15}[phase]
    if rng.random() < chance_of_end:
        candidate = effective + dt.timedelta(days=rng.randrange(30, 366))
        ends = candidate if candidate <= LAST_DAY else None
    status = MeasureStatus.IN_FORCE
    if ends:
        status = MeasureStatus.REVOKED if rng.random() < 0.1 else MeasureStatus.EXPIRED
    qualified = rng.random() < 0.5
    title: Text = {}
    summary: Text = {}
    for lang in languages:
        base = action.title[lang]
        title[lang] = PHASE_TITLES[phase][lang].format(t=base) if qualified else base
        subject = authority.subject[lang]
        if lang == "ru":
            subject = subject[0].lower() + subject[1:]
        parts = [
            MEASURE_SENTENCE[lang].format(
                s=subject, v=action.verb[lang], p=PHASE_CLAUSES[phase][lang]
            ),
            BINDING_SENTENCES[binding][lang],
        ]
        if ends:
            parts.append(END_SENTENCES[status][lang].format(d=ends.isoformat()))
        summary[lang] = ("" if lang == "zh-hans" else " ").join(parts)
    original = languages[0]
    fields: dict[str, Any] = {
        "authority": authority.name[original],
        "authority_type": authority_type,
        "stakeholder": STAKEHOLDERS[action.stakeholder][original],
        "category": action.category,
        "phase": phase,
        "binding": binding,
        "measure_status": status,
        "announced_on": announced.isoformat(),
        "effective_on": effective.isoformat(),
        "ends_on": ends.isoformat() if ends else None,
        "sources": [f"https://example.org/demo/measures/{n}/announcement"],
    }
    if original == "en":
        fields["outcome"] = rng.choice(OUTCOMES).format(k=f"{rng.randrange(20, 900) * 1000:,}")
        fields["lessons"] = rng.choice(LESSONS)
    extra = {"date": announced, "tags": list(action.tags), "fields": fields}
    return title, summary, extra


def _case(
    rng: random.Random, n: int, languages: list[str], place: Place, atlas: Gazetteer
) -> tuple[Text, Text, dict[str, Any]]:
    project = rng.choice(PROJECTS)
    scope = rng.choices(
        [Scope.LOCAL, Scope.NATIONAL, Scope.REGIONAL, Scope.INTERNATIONAL], weights=[3, 5, 1, 1]
    )[0]
    started = _date(rng, (45, 25, 12, 10, 8))
    finish = started + dt.timedelta(days=rng.randrange(120, 900))
    ended = finish if finish <= LAST_DAY and rng.random() >= 0.45 else None
    qualified = scope != Scope.NATIONAL or rng.random() < 0.4
    title = {
        lang: SCOPE_TITLES[scope][lang].format(t=project.title[lang])
        if qualified
        else project.title[lang]
        for lang in languages
    }
    summary = {lang: project.summary[lang] for lang in languages}
    original = languages[0]
    fields: dict[str, Any] = {
        "organisation": project.organisation[original],
        "stakeholder_type": project.stakeholder_type,
        "action_lines": list(project.action_lines),
        "sdgs": list(project.sdgs),
        "scope": scope,
        "project_status": ProjectStatus.COMPLETED if ended else ProjectStatus.ONGOING,
        "started_on": started.isoformat(),
        "ended_on": ended.isoformat() if ended else None,
    }
    if original == "en":
        fields["impact"] = rng.choice(IMPACTS).format(k=f"{rng.randrange(2, 90) * 1000:,}")
        fields["challenges"] = rng.choice(CHALLENGES)
        fields["partners"] = rng.sample(PARTNERS, rng.randrange(1, 4))
    countries = [place.iso3]
    if scope == Scope.REGIONAL:
        countries += atlas.neighbours(rng, place, rng.randrange(1, 4))
    elif scope == Scope.INTERNATIONAL:
        countries += atlas.anywhere(rng, rng.randrange(2, 5))
    extra = {"date": started, "tags": list(project.tags), "fields": fields, "countries": countries}
    return title, summary, extra


def _story(
    rng: random.Random, stories: tuple[Story, ...], languages: list[str], template: Text | None
) -> tuple[Story, Text, Text, dt.date]:
    story = rng.choice(stories)
    day = _date(rng)
    title = {
        lang: template[lang].format(t=story.title[lang], year=day.year)
        if template
        else story.title[lang]
        for lang in languages
    }
    return story, title, {lang: story.summary[lang] for lang in languages}, day


def plan_record(seed: int, n: int, atlas: Gazetteer) -> Plan:
    """What record `demo:{n}` is, from the seed and n alone."""
    block = n // 20
    collection = _block(seed, "collection", block, COLLECTION_BLOCK)[n % 20]
    language = _block(seed, "language", block, LANGUAGE_BLOCK)[n % 20]
    status = _block(seed, "status", n // 100, STATUS_BLOCK)[n % 100]
    rng = random.Random(f"{seed}/record/{n}")
    languages = [language, *_translations(rng, language)]
    place = atlas.primary(rng, language)
    countries = [place.iso3]
    extra: dict[str, Any]
    if collection == Collection.MEASURE:
        title, summary, extra = _measure(rng, n, languages)
    elif collection == Collection.CASE:
        title, summary, extra = _case(rng, n, languages, place, atlas)
    elif collection == Collection.RESOURCE:
        resource = rng.choice(RESOURCES)
        day = _date(rng)
        dated = resource.resource_type in EDITIONED_RESOURCES
        title = {
            lang: EDITION[lang].format(t=resource.title[lang], year=day.year)
            if dated
            else resource.title[lang]
            for lang in languages
        }
        summary = {lang: resource.summary[lang] for lang in languages}
        extra = {
            "date": day,
            "tags": ["cybersecurity", *resource.topics],
            "fields": {
                "resource_type": resource.resource_type,
                "audiences": list(resource.audiences),
                "topics": list(resource.topics),
            },
        }
    elif collection == Collection.NEWS:
        story, title, summary, day = _story(rng, NEWS, languages, None)
        extra = {"date": day, "tags": list(story.tags), "fields": {"source": NEWS_SOURCE[language]}}
    elif collection == Collection.PODCAST:
        story, title, summary, day = _story(rng, EPISODES, languages, None)
        episode = block + 1
        if block < 20:
            day = FIRST_EPISODE + EPISODE_INTERVAL * block
        title = {lang: EPISODE_TITLE[lang].format(n=episode, t=title[lang]) for lang in languages}
        duration = rng.randrange(15, 55) * 60 + rng.randrange(60)
        extra = {
            "date": day,
            "tags": ["podcast", *story.tags],
            "countries": rng.sample(
                countries + atlas.neighbours(rng, place, 2), rng.randrange(0, 3)
            ),
            "fields": {
                "audio_url": (
                    f"https://media.example.org/resilient-connections/episode-{episode:03d}.mp3"
                ),
                "audio_type": "audio/mpeg",
                "audio_bytes": duration * 16_000 + rng.randrange(4096),  # 128 kbit/s
                "duration_seconds": duration,
                "episode": episode,
            },
        }
    elif collection == Collection.VIDEO:
        story, title, summary, day = _story(rng, VIDEOS, languages, None)
        narrator, speaker = SPEAKERS[language]
        sep = "" if language == "zh-hans" else " "
        transcript = (
            f"{narrator}{sep}{story.summary[language]}\n"
            f"{speaker}{sep}{rng.choice(GUEST_LINES[language])}"
        )
        extra = {
            "date": day,
            "tags": ["video", *story.tags],
            "fields": {
                "video_url": f"https://media.example.org/demo/videos/{n}",
                "duration_seconds": rng.randrange(90, 1500),
                "transcript": transcript,
            },
        }
    else:
        story, title, summary, day = _story(rng, REPORTS, languages, EDITION)
        identifier = (
            {"doi": f"10.5555/resilnet-demo.{day.year}.{n:04d}"}
            if rng.random() < 0.6
            else {"isbn": _isbn(n)}
        )
        extra = {
            "date": day,
            "tags": ["report", *story.tags],
            "countries": countries if rng.random() < 0.6 else [],
            "fields": {
                "publication_url": f"https://example.org/demo/reports/{n}.pdf",
                "publisher": PUBLISHERS[language],
                "pages": rng.randrange(24, 220),
                **identifier,
            },
        }
    body = {language: f"{summary[language]}\n\n{rng.choice(CLOSINGS[language])}"}
    content: dict[str, Any] = {
        "collection": str(collection),
        "original_language": language,
        "title": title,
        "summary": summary,
        "body": body,
        "countries": extra.get("countries", countries),
        "tags": extra["tags"],
        "links": [{"url": f"https://example.org/demo/records/{n}", "label": "Source"}],
        "date": extra["date"].isoformat(),
        "fields": extra["fields"],
    }
    plan = Plan(n, status, content)
    if status == Status.CHANGES_REQUESTED:
        plan.reason = rng.choice(CHANGE_REQUESTS)
    if status == PENDING_EDIT:
        edit = {**content, "body": {language: f"{body[language]}\n\n{CLOSINGS[language][1]}"}}
        edit["links"] = [
            *content["links"],
            {"url": f"https://example.org/demo/records/{n}/follow-up", "label": "Follow-up"},
        ]
        plan.edit = edit
    return plan


# Loading -------------------------------------------------------------------------------


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise RuntimeError(
            f"The demo user {username!r} does not exist: load the core demo data first "
            "(resilnet.core.demo.load_demo_data)."
        )
    return user


def _load(plan: Plan, owner: User, moderator: User) -> None:
    record = services.do_create_record(
        owner, plan.content, external_id=plan.external_id, submit=plan.status != Status.DRAFT
    )
    if plan.status == Status.CHANGES_REQUESTED:
        services.do_request_changes(moderator, record, plan.reason)
    elif plan.status in (Status.PUBLISHED, PENDING_EDIT):
        services.do_publish(moderator, record)
        if plan.status == PENDING_EDIT:
            services.do_update_record(owner, record, plan.edit, EDIT_NOTE)
            services.do_submit(owner, record)


def demo_records() -> QuerySet[Record]:
    return Record.objects.filter(external_id__startswith=EXTERNAL_PREFIX)


def load_demo_catalog(*, size: int = 300, seed: int = 2020) -> dict[str, int]:
    """Create records demo:0 … demo:{size-1} that do not exist yet, owned by the demo
    'contributor' and moderated by the demo 'moderator'.

    Returns the number of demo records in each status (all of them, not only this run's),
    `pending_edit`: published ones with a submitted edit, and `created`: records this run
    added. Notification emails go out as for any record (to the demo users' addresses).
    """
    owner = _user(OWNER_USERNAME)
    moderator = _user(MODERATOR_USERNAME)
    if not permissions.is_moderator(moderator):
        raise RuntimeError(f"The demo user {MODERATOR_USERNAME!r} is not a moderator.")
    existing = set(demo_records().values_list("external_id", flat=True))
    missing = [n for n in range(size) if f"{EXTERNAL_PREFIX}{n}" not in existing]
    if missing:
        atlas = Gazetteer()
        for start in range(0, len(missing), CHUNK):
            with transaction.atomic():
                for n in missing[start : start + CHUNK]:
                    _load(plan_record(seed, n, atlas), owner, moderator)
    counts: dict[str, int] = dict.fromkeys(Status.values, 0)
    counts.update(Counter(demo_records().values_list("status", flat=True)))
    counts[PENDING_EDIT] = (
        demo_records()
        .filter(status=Status.PUBLISHED, pending_revision__state=Status.SUBMITTED)
        .count()
    )
    counts["created"] = len(missing)
    return counts
