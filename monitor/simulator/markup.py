"""Article pages in each CMS family's markup, rendered from catalog data at request time.

Families: Nastooh (Mehr, IRNA; ISNA has its own theme), Asam (Tasnim), IranSamaneh (Jam-e Jam,
IRIB), Al-Alam's plain page and the new Fars site. Class names, date lines and furniture follow
what public scrapers record of each outlet's markup, so extraction code written
for the real sites meets the same traps here (headline inside the body container, "انتهای پیام",
related boxes, comment forms, Jalali dates in Persian digits, no date metadata on Al-Alam).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from urllib.parse import quote

import jdatetime

from monitor.dates import JALALI_MONTHS, to_tehran
from monitor.normalize import PERSIAN_DIGITS
from monitor.simulator.catalog import ServedArticle

FA_DIGITS = str.maketrans("0123456789", PERSIAN_DIGITS)
MONTHS = JALALI_MONTHS  # the one list, in monitor.dates
WEEKDAYS = ("شنبه", "یکشنبه", "دوشنبه", "سه شنبه", "چهارشنبه", "پنجشنبه", "جمعه")
COPYRIGHT_YEAR = "۱۴۰۴"  # fixed, so a page's bytes (and ETag) do not change with the clock

SITES = {
    "mehr": ("خبرگزاری مهر", "https://www.mehrnews.com"),
    "irna": ("ایرنا", "https://www.irna.ir"),
    "isna": ("ایسنا", "https://www.isna.ir"),
    "tasnim": ("خبرگزاری تسنیم", "https://www.tasnimnews.ir"),
    "jamejam": ("جام جم آنلاین", "https://jamejamonline.ir"),
    "irib": ("خبرگزاری صدا و سیما", "https://www.iribnews.ir"),
    "alalam": ("العالم", "https://fa.alalam.ir"),
    "fars": ("خبرگزاری فارس", "https://farsnews.ir"),
}


def fa(text: object) -> str:
    return str(text).translate(FA_DIGITS)


def e(text: object) -> str:
    return escape(str(text), quote=True)


def jalali(dt: datetime) -> jdatetime.datetime:
    # Real wall-clock time: Iran kept summer time (+04:30) until 2022.
    return jdatetime.datetime.fromgregorian(datetime=to_tehran(dt))


def month_name(month: int, arabic_yeh: bool = False) -> str:
    name = MONTHS[month - 1]
    return name.replace("ی", "ي") if arabic_yeh else name


def utc_z(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def paragraphs_html(paragraphs: list[str]) -> str:
    return "".join(f'<p style="text-align:justify">{e(p)}</p>' for p in paragraphs)


def link_list(items: list[ServedArticle], wrap: str = "h3") -> str:
    return "".join(
        f'<li><{wrap}><a href="{e(a.url)}">{e(a.title)}</a></{wrap}></li>' for a in items
    )


def json_ld(art: ServedArticle, publisher: str, precise: bool = False) -> str:
    stamp = (
        (lambda d: d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")) if precise else utc_z
    )
    data = {
        "@context": "http://schema.org",
        "@type": "NewsArticle",
        "@id": art.url,
        "headline": art.title,
        "description": art.lead,
        "datePublished": stamp(art.published),
        "dateModified": stamp(art.modified),
        "keywords": ", ".join(art.tags),
        "mainEntityOfPage": art.url,
        "author": {"@type": "Organization", "name": publisher},
        "publisher": {"@type": "Organization", "name": publisher},
    }
    return (
        '<script type="application/ld+json">'
        + json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        + "</script>"
    )


def head(art: ServedArticle, site: str, extra: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="fa" dir="rtl"><head><meta charset="{charset}">'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>{e(art.title)} - {e(site)}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="description" content="{e(art.lead)}">'
        f'<meta property="og:title" content="{e(art.title)}">'
        f'<meta property="og:description" content="{e(art.lead)}">'
        f'<meta property="og:type" content="article">'
        f'<meta property="og:site_name" content="{e(site)}">'
        f"{extra}</head>"
    )


def menu(base: str, items: list[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="{base}{path}">{e(label)}</a></li>' for path, label in items)
    return f'<header class="header"><nav class="menu"><ul>{links}</ul></nav></header>'


def comments_form(action: str) -> str:
    return (
        f'<section class="box comments" id="comments"><header><h2>نظر شما</h2></header>'
        f'<form method="post" action="{e(action)}"><input name="name" placeholder="نام">'
        f'<textarea name="body"></textarea><button type="submit">ارسال نظرات</button>'
        f"</form></section>"
    )


# ---------------------------------------------------------------------------------- Nastooh


def nastooh(art: ServedArticle, related: list[ServedArticle], popular: list[ServedArticle]) -> str:
    """Mehr and IRNA: h1.title, p.summary, div.item-body div.item-text, div.item-date."""
    site, base = SITES[art.outlet]
    j = jalali(art.published)
    date = fa(f"{j.day} {month_name(j.month)} {j.year}، {j.hour:02d}:{j.minute:02d}")
    section = art.section.split(">")[-1].strip() if art.section else "اخبار"
    meta = (
        f'<meta property="og:url" content="{e(art.url)}">'
        f'<meta property="article:published_time" content="{utc_z(art.published)}">'
        f'<meta property="article:modified_time" content="{utc_z(art.modified)}">'
        f'<meta property="article:section" content="{e(art.section)}">'
        f'<meta name="keywords" content="{e(",".join(art.tags))}">'
        f'<meta property="nastooh:code" content="{art.id}">'
        '<meta name="generator" content="www.nastooh.ir">'
        f'<link rel="canonical" href="{e(art.url)}">{json_ld(art, site)}'
    )
    kicker = f'<h3 class="kicker rutitr">{e(art.kicker)}</h3>' if art.kicker else ""
    tags = "".join(f'<li><a href="{base}/tag/{quote(t)}">{e(t)}</a></li>' for t in art.tags)
    return (
        head(art, site, meta)
        + '<body class="rtl">'
        + menu(
            base,
            [
                ("/", "صفحه نخست"),
                ("/service/Politics", "سیاست"),
                ("/service/Economy", "اقتصاد"),
                ("/service/World", "بین‌الملل"),
                ("/service/Society", "جامعه"),
                ("/service/Sport", "ورزش"),
            ],
        )
        + '<main class="main"><div class="container"><article id="item" class="item news">'
        + '<div class="item-header"><ol class="breadcrumb">'
        + f'<li><a href="{base}/">صفحه نخست</a></li><li><a href="{base}/service/Politics">'
        + f"{e(section)}</a></li></ol>"
        + f'<div class="item-date"><span>{date}</span></div>'
        + f'<div class="item-title">{kicker}<h1 class="title"><a href="{e(art.url)}" '
        + f'itemprop="headline">{e(art.title)}</a></h1></div></div>'
        + '<div class="item-summary"><figure class="item-img"><img src="'
        + f'{base}/d/{art.published:%Y/%m/%d}/4/{art.id}.jpg" alt="{e(art.title)}"></figure>'
        + f'<p class="summary introtext" itemprop="description">{e(art.lead)}</p></div>'
        + '<div class="item-body"><div class="item-text" itemprop="articleBody">'
        + paragraphs_html(art.paragraphs)
        + "</div></div>"
        + '<div class="item-footer"><div class="item-code"><span>کد خبر: </span>'
        + f"<span>{fa(art.id)}</span></div>"
        + '<div class="short-link-container"><label>لینک کوتاه</label>'
        + f'<input type="text" readonly value="{base}/x/{art.id[-5:]}"></div></div>'
        + f'<section class="tags"><h2>برچسب‌ها</h2><ul>{tags}</ul></section>'
        + '<section class="box related"><header><h2>اخبار مرتبط</h2></header><ul>'
        + link_list(related)
        + "</ul></section>"
        + comments_form(f"{base}/comment/{art.id}")
        + "</article>"
        + '<aside class="sidebar"><section class="box most-visited"><h2>پربیننده‌ترین</h2><ul>'
        + link_list(popular, "h4")
        + "</ul></section></aside></div></main>"
        + f'<footer class="main-footer"><p>تمامی حقوق برای {e(site)} محفوظ است © '
        + f"{COPYRIGHT_YEAR}</p></footer></body></html>"
    )


def isna(art: ServedArticle, related: list[ServedArticle], popular: list[ServedArticle]) -> str:
    """ISNA's own theme over the Nastooh CMS, after the saved page isna_001.html."""
    site, base = SITES["isna"]
    j = jalali(art.published)
    weekday = WEEKDAYS[j.weekday()]
    date = fa(f"{j.day} {month_name(j.month)} {j.year} / {j.hour:02d}:{j.minute:02d}")
    arabic_tags = [t.replace("ی", "ي").replace("ک", "ك") for t in art.tags]
    meta = (
        f'<meta property="og:url" content="{e(art.url)}">'
        f'<meta property="article:published_time" content="{utc_z(art.published)}">'
        f'<meta property="article:modified_time" content="{utc_z(art.modified)}">'
        f'<meta property="article:section" content="{e(art.section)}">'
        f'<meta name="keywords" property="article:tag" content="{e(",".join(arabic_tags))}">'
        f'<meta property="nastooh:code" content="{art.id}">'
        '<meta property="nastooh:publishDate" '
        f'content="{to_tehran(art.published):%Y-%m-%d}">'
        '<meta name="generator" content="www.nastooh.ir">'
        f'<link rel="canonical" href="{e(art.url)}">'
        f'<link rel="amphtml" href="{base}/amp/{art.id}/">{json_ld(art, site)}'
    )
    kicker = f'<h2 class="kicker">{e(art.kicker)}</h2>' if art.kicker else ""
    sections = "، ".join(p.strip() for p in art.section.split(">")) if art.section else ""
    tags = "".join(
        f'<li><a href="{base}/tag/{quote(t)}" rel="Index, Tag">{e(t)}</a></li>' for t in arabic_tags
    )
    related_html = "".join(
        f'<li class="news"><div class="desc"><h3><a href="{e(a.url)}" target="_blank">'
        f"{e(a.title)}</a></h3></div></li>"
        for a in related
    )
    return (
        head(art, site, meta)
        + '<body class="body-rtl rtl pt-news">'
        + menu(
            base,
            [
                ("/", "صفحه نخست"),
                ("/service/Politics", "سیاسی"),
                ("/service/World", "بین‌الملل"),
                ("/service/Economy", "اقتصادی"),
                ("/service/Social", "اجتماعی"),
                ("/service/Sports", "ورزشی"),
            ],
        )
        + '<main class="main-content"><div class="container"><div class="row">'
        + '<div class="col-md-7">'
        + '<article id="item" class="page item" itemscope itemtype="http://schema.org/NewsArticle">'
        + '<div class="news-info"><div class="meta-news"><ul>'
        + f'<li><span class="title-meta">{weekday} /</span> '
        + f'<span class="text-meta">{date}</span></li>'
        + '<li><span class="title-meta">دسته‌بندی: </span> <span class="text-meta" '
        + f'itemprop="articleSection">{e(sections)}</span></li>'
        + '<li><span class="title-meta">کد خبر: </span> '
        + f'<span class="text-meta">{art.id}</span></li>'
        + '</ul></div></div><div class="full-news"><div class="full-news-text">'
        + f'<header class="item-header">{kicker}<div class="item-title">'
        + f'<h1 class="first-title" itemprop="headline">{e(art.title)}</h1></div></header>'
        + '<div class="item-body content-full-news"><figure class="item-img img-md">'
        + f'<img src="https://cdn.isna.ir/d/{art.published:%Y/%m/%d}/3/{art.id[-8:]}.jpg" '
        + f'alt="{e(art.title)}" itemprop="image"></figure>'
        + f'<p class="summary" itemprop="description">{e(art.lead)}</p>'
        + '<div itemprop="articleBody" class="item-text">'
        + paragraphs_html([*art.paragraphs, "انتهای پیام"])
        + "</div></div>"
        + '<div class="item-footer"><div class="item-link">'
        + '<label for="short-url">لینک کوتاه</label>'
        + f'<input type="text" id="short-url" readonly value="{base}/news/{art.id}/"></div></div>'
        + f'<footer class="tags"><span>برچسب‌ها:</span><ul>{tags}</ul></footer></div>'
        + '<section class="box related list list-bullets"><header><h2>اخبار مرتبط</h2></header>'
        + f"<div><ul>{related_html}</ul></div></section>"
        + comments_form(f"{base}/comment/{art.id}")
        + "</div></article></div>"
        + '<div class="col-md-5"><section class="box most-visited"><header><h2>پربیننده‌ترین اخبار'
        + f"</h2></header><ul>{link_list(popular)}</ul></section></div></div></div></main>"
        + f'<footer class="main-footer"><p>© {COPYRIGHT_YEAR} خبرگزاری دانشجویان ایران (ایسنا)</p>'
        + "</footer></body></html>"
    )


# ---------------------------------------------------------------------------------- Asam


def tasnim(art: ServedArticle, related: list[ServedArticle], popular: list[ServedArticle]) -> str:
    """Tasnim (Asam): article.single-news, h3.lead, li.time, div.story with its furniture."""
    site, base = SITES["tasnim"]
    j = jalali(art.published)
    date = fa(f" {j.day} {month_name(j.month, True)} {j.year} - {j.hour:02d}:{j.minute:02d} ")
    parts = [p.strip() for p in art.section.split(">")] if art.section else ["اخبار"]
    services = "".join(
        f'<li class="service"><a href="{base}/fa/service/{i + 1}/{quote(p)}"> {e(p)} </a></li>'
        for i, p in enumerate(parts)
    )
    path = art.url.split(".ir", 1)[1]
    meta = (
        f'<meta property="og:url" content="{e(path)}">'  # relative, as on the real site
        f'<meta name="keywords" content="{e(", ".join(art.tags))}">'
        f'<link rel="canonical" href="{e(art.url)}">{json_ld(art, site, precise=True)}'
    )
    story = [f'<p style="text-align:justify">{e(p)}</p>' for p in art.paragraphs]
    if related and len(story) > 2:
        links = "".join(f'<a href="{e(a.url)}">{e(a.title)}</a>' for a in related[:2])
        story.insert(
            2,
            f'<div class="readmore-container"><span class="readmore-title">بیشتر بخوانید'
            f"</span>{links}</div>",
        )
    tags = "".join(f'<li><a href="{base}/fa/tag/{quote(t)}">{e(t)}</a></li>' for t in art.tags)
    return (
        head(art, site, meta)
        + '<body class="rtl">'
        + menu(
            base,
            [
                ("/fa", "صفحه نخست"),
                ("/fa/service/1/سیاسی", "سیاسی"),
                ("/fa/service/8/بین-الملل", "بین‌الملل"),
                ("/fa/service/7/اقتصادی", "اقتصادی"),
                ("/fa/service/3/ورزشی", "ورزشی"),
            ],
        )
        + '<main><div class="container"><div class="tabs"><ul class="nav nav-tabs">'
        + f'<li><a href="{base}/fa/news/overview/popular">پربیننده‌ترین اخبار</a></li>'
        + f'<li><a href="{base}/fa/news/overview/top"> مهمترین اخبار </a></li></ul></div>'
        + f'<article class="single-news"><h1 class="title"> {e(art.title)} </h1>'
        + f'<h3 class="lead"> {e(art.lead)} </h3>'
        + f'<ul class="list-inline details"><li class="time">{date}</li>{services}'
        + '<li class="comments"><a href="#comment-form" title="نظرات"> نظرات </a></li></ul>'
        + f'<div><figure><img src="https://newsmedia.tasnimnews.ir/Tasnim/Uploaded/Image/{art.id}.jpg"'
        + f' class="img-responsive" alt="{e(art.title)}"></figure></div>'
        + '<div class="story" data-readMoreTitle="بیشتر بخوانید">'
        + f'<div class="hideTag"><a href="{base}/fa/service/8"> - اخبار {e(parts[0])} - </a></div>'
        + "".join(story)
        + '<p style="text-align:justify">انتهای پیام/</p>'
        + f'<div class="footer">R{int(art.id) % 99991}/P{art.id}/S8,27/CT7</div></div>'
        + f'<div class="tags"><ul>{tags}</ul></div></article>'
        + comments_form(f"{base}/fa/comment/{art.id}")
        + '<aside><section class="most-visited"><h2>پربیننده‌ترین اخبار بین الملل</h2><ul>'
        + link_list(popular)
        + "</ul></section></aside></div></main>"
        + f"<footer><p>کلیه حقوق این سایت متعلق به خبرگزاری تسنیم است. {COPYRIGHT_YEAR}</p>"
        + "</footer></body></html>"
    )


# ---------------------------------------------------------------------------------- IranSamaneh


def iransamaneh(
    art: ServedArticle, related: list[ServedArticle], popular: list[ServedArticle]
) -> str:
    """Jam-e Jam and IRIB: .bg-shadow-news, .rutitr, h1, .subtitle, .body, span.news-pdate."""
    site, base = SITES[art.outlet]
    j = jalali(art.published)
    date = fa(f"{j.day} {month_name(j.month, True)} {j.year} | {j.hour:02d}:{j.minute:02d}")
    section = art.section.split(">")[-1].strip() if art.section else "اخبار"
    meta = (
        f'<meta property="og:url" content="{e(art.url)}">'
        f'<meta property="article:published_time" content="{utc_z(art.published)}">'
        f'<meta name="keywords" content="{e(",".join(art.tags))}">'
        f'<link rel="canonical" href="{e(art.url)}">{json_ld(art, site)}'
    )
    kicker = f'<div class="rutitr">{e(art.kicker)}</div>' if art.kicker else ""
    tags = "".join(f'<li><a href="{base}/fa/tags/{quote(t)}">{e(t)}</a></li>' for t in art.tags)
    return (
        head(art, site, meta)
        + '<body class="rtl">'
        + menu(
            base,
            [
                ("/", "صفحه نخست"),
                ("/fa/service/1", "سیاسی"),
                ("/fa/service/2", "اقتصادی"),
                ("/fa/service/3", "اجتماعی"),
                ("/fa/service/5", "ورزشی"),
            ],
        )
        + '<main class="container"><section class="padd-breadcrumb"><div>'
        + f'<a href="{base}/">صفحه نخست</a>/<a href="{base}/fa/service/1">{e(section)}</a>'
        + f'</div></section><div class="news_path"><a href="{base}/">خانه</a> <a href="{base}/fa/'
        + f'service/1">{e(section)}</a></div><div class="bg-shadow-news"><div class="row">'
        + f'<div class="news-info"><span class="news-code">کد خبر: {fa(art.id)}</span> '
        + f'<span class="news-pdate">{date}</span></div>'
        + f'{kicker}<h1 class="title">{e(art.title)}</h1><div class="subtitle">{e(art.lead)}</div>'
        + f'<div class="news-img"><img src="{base}/files/fa/news/{art.id}.jpg" alt=""></div>'
        + f'<div class="body">{paragraphs_html(art.paragraphs)}</div>'
        + '<div class="tags_title"><span>برچسب ها</span></div>'
        + f'<ul class="tags">{tags}</ul></div></div>'
        + '<div class="related"><h2>اخبار مرتبط</h2><ul>'
        + link_list(related)
        + "</ul></div>"
        + comments_form(f"{base}/fa/comment/{art.id}")
        + '<div class="news-sidebar most-visited"><h2>پربیننده ترین</h2><ul>'
        + link_list(popular, "h4")
        + "</ul></div></main>"
        + f"<footer><p>کلیه حقوق برای {e(site)} محفوظ است. {COPYRIGHT_YEAR}</p></footer>"
        + "</body></html>"
    )


# ---------------------------------------------------------------------------------- Al-Alam, Fars


def alalam(
    art: ServedArticle,
    related: list[ServedArticle],
    popular: list[ServedArticle],
    charset: str = "utf-8",
) -> str:
    """Al-Alam: a plain page, Latin-digit date line, no structured date metadata at all."""
    site, base = SITES["alalam"]
    j = jalali(art.published)
    weekday = WEEKDAYS[j.weekday()]
    date = f"{weekday} {j.day} {month_name(j.month)} {j.year} - {j.hour:02d}:{j.minute:02d}"
    section = art.section.split(">")[0].strip() if art.section else "ایران"
    return (
        head(art, site, f'<link rel="canonical" href="{e(art.url)}">', charset=charset)
        + '<body class="rtl">'
        + menu(
            base, [("/", "صفحه اصلی"), ("/news", "اخبار"), ("/iran", "ایران"), ("/world", "جهان")]
        )
        + f'<div class="container"><div class="news-page"><h1>{e(art.title)}</h1>'
        + f'<div class="news-date">{date}</div><div class="news-lead"><p>{e(art.lead)}</p></div>'
        + f'<div class="news-service">العالم - {e(section)}</div>'
        + f'<div class="news-text">{paragraphs_html(art.paragraphs)}</div></div>'
        + '<div class="most-viewed"><h2>پربیننده ترین خبرها</h2><ul>'
        + link_list(popular)
        + "</ul></div></div>"
        + f"<footer><p>Copyright © 2025 Al-Alam News Network. {e(site)}</p></footer></body></html>"
    )


def fars(art: ServedArticle, related: list[ServedArticle], popular: list[ServedArticle]) -> str:
    """The 2025 Fars site, server-rendered: og/meta tags, one h1, hashed CSS class names."""
    site, base = SITES["fars"]
    meta = (
        f'<meta property="og:url" content="{e(art.url)}">'
        f'<meta property="og:image" content="https://cdn.farsnews.ir/guest/{art.id[-12:]}">'
        f'<meta property="article:published_time" content="{utc_z(art.published)}">'
        f'<link rel="canonical" href="{e(art.url)}">'
    )
    j = jalali(art.published)
    date = fa(f"{j.day} {month_name(j.month)} {j.year} - {j.hour:02d}:{j.minute:02d}")
    return (
        head(art, site, meta)
        + '<body><div id="app"><header class="_hdr_3kq1"><nav><ul>'
        + f'<li><a href="{base}/showcase">ویترین</a></li><li><a href="{base}/politics/posts">سیاسی'
        + f'</a></li><li><a href="{base}/world/posts">بین‌الملل</a></li></ul></nav></header>'
        + '<main class="_main_x81p"><article class="_post_9fz2">'
        + f'<h1 class="_title_2m7c">{e(art.title)}</h1>'
        + f'<time class="_time_1aa0" datetime="{utc_z(art.published)}">{date}</time>'
        + f'<p class="_lead_7hb3">{e(art.lead)}</p>'
        + f'<div class="_body_4kd8">{paragraphs_html(art.paragraphs)}</div></article>'
        + '<aside class="_side_0pq4"><h2>پربیننده‌ترین</h2><ul>'
        + link_list(popular)
        + f"</ul></aside></main><footer><p>© {COPYRIGHT_YEAR} خبرگزاری فارس</p></footer>"
        + "</div></body></html>"
    )


RENDERERS: dict[str, Callable[[ServedArticle, list[ServedArticle], list[ServedArticle]], str]] = {
    "mehr": nastooh,
    "irna": nastooh,
    "isna": isna,
    "tasnim": tasnim,
    "jamejam": iransamaneh,
    "irib": iransamaneh,
    "alalam": alalam,
    "fars": fars,
}


def render_article(
    art: ServedArticle, related: list[ServedArticle], popular: list[ServedArticle]
) -> bytes:
    """The page's bytes, in the article's declared encoding (windows-1256 for a few)."""
    if art.encoding.lower() in ("windows-1256", "cp1256"):
        # Real windows-1256 pages write Arabic yeh and Latin digits; the rest become references.
        html = (
            RENDERERS[art.outlet](art, related, popular)
            if art.outlet != "alalam"
            else alalam(art, related, popular, charset="windows-1256")
        )
        html = html.replace("ی", "ي")
        return html.encode("cp1256", errors="xmlcharrefreplace")
    return RENDERERS[art.outlet](art, related, popular).encode("utf-8")


def not_found(real_url: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="fa" dir="rtl"><head><meta charset="utf-8">'
        "<title>صفحه مورد نظر یافت نشد</title></head><body><h1>۴۰۴</h1>"
        f"<p>صفحه‌ای با نشانی {e(real_url)} یافت نشد.</p></body></html>"
    ).encode()
