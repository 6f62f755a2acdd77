"""Parsing the channel preview (``t.me/s/<channel>``) and checking channel configuration.

The page below is hand-made in the live preview's markup (see ../shared/fixtures/telegram/
README.md): blocks in ascending order, a permalink wrapping ``<time datetime>``, photos as CSS
``background-image``, a forwarded post, a quoted reply, an edited post and the "load more"
pager. Its Persian text was written for this test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.channels import build_channels, load_channels
from monitor.outlets import OutletConfigError, load_outlets
from monitor.simulator.telegram import TelegramChannels
from monitor.telegram.parse import parse_channel_page, views_count

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<section class="tgme_channel_history js-message_history">
<div class="tgme_widget_message_centered js-messages_more_wrap">
 <a href="/s/newsdesk?before=1201" class="tme_messages_more js-messages_more"
    data-before="1201"></a></div>
<div class="tgme_widget_message_wrap js-widget_message_wrap">
 <div class="tgme_widget_message text_not_supported_wrap js-widget_message"
      data-post="newsdesk/1201" data-view="x">
  <div class="tgme_widget_message_bubble">
   <a class="tgme_widget_message_photo_wrap" href="https://t.me/newsdesk/1201"
      style="width:800px;background-image:url('https://cdn4.telesco.pe/file/a.jpg')"></a>
   <a class="tgme_widget_message_photo_wrap" href="https://t.me/newsdesk/1201"
      style="width:800px;background-image:url('https://cdn4.telesco.pe/file/b.jpg')"></a>
   <div class="tgme_widget_message_text js-message_text" dir="auto"><b>🔴 سفر وزیر خارجه
    روسیه به تهران</b><br/><br/>🔹 لاوروف فردا با همتای ایرانی دیدار می‌کند.<br/>
    <a href="https://www.mehrnews.com/news/6271847/slug" target="_blank">مشروح خبر</a>
    <i class="emoji" style="background-image:url('//telegram.org/img/emoji/40/F09F8C8D.png')">
    <b>🌍</b></i></div>
   <div class="tgme_widget_message_footer compact js-message_footer">
    <div class="tgme_widget_message_info short js-message_info">
     <span class="tgme_widget_message_views">5.47K</span>
     <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
      href="https://t.me/newsdesk/1201"><time datetime="2025-11-02T10:20:00+00:00"
      class="time">10:20</time></a></span></div></div></div></div></div>
<div class="tgme_widget_message_wrap js-widget_message_wrap">
 <div class="tgme_widget_message js-widget_message" data-post="newsdesk/1203">
  <div class="tgme_widget_message_bubble">
   <div class="tgme_widget_message_forwarded_from accent_color">Forwarded from
    <a class="tgme_widget_message_forwarded_from_name" href="https://t.me/otherdesk/77">
    <span dir="auto">میز دیگر</span></a></div>
   <a class="tgme_widget_message_reply" href="https://t.me/newsdesk/1201">
    <div class="tgme_widget_message_text js-message_text">متن نقل‌شده که نباید خوانده شود</div>
   </a>
   <a class="tgme_widget_message_video_player" href="https://t.me/newsdesk/1203">
    <i class="tgme_widget_message_video_thumb" style="background-image:url('x.jpg')"></i>
    <video src="https://cdn4.telesco.pe/file/v.mp4?token=t"></video></a>
   <div class="tgme_widget_message_text js-message_text" dir="auto">خط اول<br/>خط دوم
    www.irna.ir/news/84848920</div>
   <div class="tgme_widget_message_footer compact js-message_footer">
    <div class="tgme_widget_message_info short js-message_info">
     <span class="tgme_widget_message_views">1.2M</span>
     <span class="tgme_widget_message_meta">edited &nbsp;<a class="tgme_widget_message_date"
      href="https://t.me/newsdesk/1203"><time datetime="2025-11-02T11:00:00Z"
      class="time">11:00</time></a></span></div></div></div></div></div>
<div class="tgme_widget_message_wrap js-widget_message_wrap">
 <div class="tgme_widget_message js-widget_message" data-post="newsdesk/1202">
  <div class="tgme_widget_message_bubble">
   <a class="tgme_widget_message_photo_wrap" style="background-image:url('c.jpg')"></a>
   <div class="tgme_widget_message_footer"><span class="tgme_widget_message_views"></span>
    <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
     href="https://t.me/newsdesk/1202"><time datetime="2025-11-02T10:40:00+00:00">10:40</time>
    </a></span></div></div></div></div>
<div class="tgme_widget_message" data-post="newsdesk/not-a-number"></div>
</section></body></html>"""


def test_posts_fields_from_preview_markup():
    page = parse_channel_page(PAGE.encode())
    assert [p.id for p in page.posts] == [1201, 1202, 1203]  # ascending, bad data-post skipped
    assert page.before == 1201  # from the pager's data-before
    first, photo_only, fwd = page.posts
    assert first.url == "https://t.me/newsdesk/1201"
    assert first.published == datetime(2025, 11, 2, 10, 20, tzinfo=UTC)
    assert first.views == "5.47K" and first.views_count == 5470
    # Source newlines are spaces; <br> breaks lines; the link keeps its anchor text.
    assert first.text == (
        "🔴 سفر وزیر خارجه روسیه به تهران\n\n🔹 لاوروف فردا با همتای ایرانی دیدار می‌کند.\n"
        "مشروح خبر 🌍"
    )
    assert first.links == ["https://www.mehrnews.com/news/6271847/slug"]
    assert first.photos == 2 and not first.video and not first.edited
    assert first.forwarded_from is None
    assert first.title.startswith("🔴 سفر وزیر خارجه")

    assert photo_only.text == "" and photo_only.photos == 1 and photo_only.views_count is None

    assert fwd.forwarded_from == "otherdesk"
    assert fwd.edited and fwd.video
    assert fwd.published == datetime(2025, 11, 2, 11, 0, tzinfo=UTC)
    assert fwd.text == "خط اول\nخط دوم www.irna.ir/news/84848920"
    assert "نقل‌شده" not in fwd.text  # the quoted reply is not the post's text
    assert fwd.views_count == 1_200_000


def test_empty_pager_ends_paging_and_no_pager_falls_back_to_smallest_id():
    ended = PAGE.replace('data-before="1201"', "").replace("tme_messages_more", "x")
    assert parse_channel_page(ended).before is None
    no_pager = PAGE.replace("js-messages_more_wrap", "x").replace("tme_messages_more", "y")
    assert parse_channel_page(no_pager).before == 1201
    assert parse_channel_page(b"").posts == []
    assert parse_channel_page("<html><body><p>private</p></body></html>").before is None


def test_simulator_markup_round_trips_bundled_posts():
    sim = TelegramChannels()
    channel = sim.get("farsna")
    assert channel is not None
    body, _ = sim.page(channel, batch=0, before=None)
    page = parse_channel_page(body)
    visible = sim.visible(channel, 0)
    assert [p.id for p in page.posts] == [p.id for p in visible[-20:]]
    assert page.before == visible[-20].id
    by_id = {p.id: p for p in visible}
    for post in page.posts:
        assert post.text.startswith(by_id[post.id].text.splitlines()[0])
        assert post.published == by_id[post.id].date
    announced = next(p for p in page.posts if p.links)
    assert announced.links == [by_id[announced.id].links[0]["url"]]
    sim.edit("farsna", page.posts[-1].id, "متن اصلاح‌شده")
    edited = parse_channel_page(sim.page(channel, 0, None)[0]).posts[-1]
    assert edited.edited and edited.text == "متن اصلاح‌شده"


def test_title_skips_marker_lines():
    html = PAGE.replace("<b>🔴 سفر وزیر خارجه", "📷<br/>♦️<br/><b>🔴 سفر وزیر خارجه")
    first = parse_channel_page(html).posts[0]
    assert first.text.startswith("📷\n♦️\n")
    assert first.title == "🔴 سفر وزیر خارجه روسیه به تهران"


def test_views_count():
    assert views_count("388") == 388
    assert views_count("1.2M") == 1_200_000
    assert views_count("") is None
    assert views_count("many") is None


def test_bundled_channels_load():
    channels = load_channels()
    assert channels["farsna"].outlet == "fars"
    assert channels["tasnimnews"].name == "Tasnimnews"
    assert channels["akhbarefori"].outlet is None and channels["akhbarefori"].enabled
    assert not channels["alonews"].enabled
    assert channels["farsna"].post_url(5) == "https://t.me/farsna/5"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"channels": {"bad name": {}}}, "not a Telegram channel name"),
        ({"channels": {"newsdesk": {"colour": "red"}}}, "unknown key(s) colour"),
        ({"channels": {"newsdesk": {"outlet": "nope"}}}, "unknown outlet 'nope'"),
        ({"channels": {"newsdesk": {"pages": 0}}}, "pages must be"),
        ({"channels": {"farsna": {"outlet": "mehr"}}}, "already belongs to outlet 'fars'"),
        ({"channels": ["farsna"]}, "must be a table"),
    ],
)
def test_channel_errors_are_one_line(raw, message):
    with pytest.raises(OutletConfigError) as exc:
        build_channels(raw, load_outlets())
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_outlet_channel_lists_are_checked(tmp_path: Path):
    bad = tmp_path / "user.toml"
    bad.write_text('[outlets.mehr]\ntelegram = "mehrnews"\n', encoding="utf-8")
    with pytest.raises(OutletConfigError, match="must be a list"):
        load_outlets(bad)
    twice = tmp_path / "twice.toml"
    twice.write_text('[outlets.mehr]\ntelegram = ["farsna"]\n', encoding="utf-8")
    with pytest.raises(OutletConfigError, match="listed by both"):
        load_channels(twice)
    extra = tmp_path / "extra.toml"
    extra.write_text('[channels.newsdesk]\noutlet = "irna"\npages = 3\n', encoding="utf-8")
    added = load_channels(extra)["newsdesk"]
    assert (added.outlet, added.pages, added.owner) == ("irna", 3, "irna")
