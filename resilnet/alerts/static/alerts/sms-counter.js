// Live SMS counter beside each SMS text: characters, encoding and segments, the same
// figures as resilnet/alerts/gsm.py's measure() (the server shows its own after a save).
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€";
  var LIMITS = { "GSM-7": [160, 153], "UCS-2": [70, 67] };

  function gsmWidth(ch) {
    if (ch !== "\u001b" && BASIC.indexOf(ch) >= 0) return 1;
    return EXTENSION.indexOf(ch) >= 0 ? 2 : 0;
  }

  function measure(text) {
    var chars = Array.from(text);
    for (var i = 0; i < chars.length; i++) {
      var code = chars[i].codePointAt(0);
      if ((code < 0x20 && code !== 10 && code !== 13) || code === 0x7f || (code >= 0xd800 && code <= 0xdfff)) {
        return { error: i + 1 };
      }
    }
    var gsm = chars.every(function (ch) { return gsmWidth(ch) > 0; });
    var encoding = gsm ? "GSM-7" : "UCS-2";
    var widths = chars.map(function (ch) { return gsm ? gsmWidth(ch) : (ch.codePointAt(0) > 0xffff ? 2 : 1); });
    var units = widths.reduce(function (a, b) { return a + b; }, 0);
    var limit = LIMITS[encoding];
    var segments = 0;
    if (units > 0 && units <= limit[0]) segments = 1;
    else if (units > 0) {
      var used = 0;
      segments = 1;
      widths.forEach(function (w) {
        if (used + w > limit[1]) { segments += 1; used = 0; }
        used += w;
      });
    }
    return { characters: chars.length, encoding: encoding, units: units, segments: segments };
  }

  // The page's translated pattern, "%(name)s" as in Django's gettext strings.
  function fill(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  function attach(area) {
    var out = document.createElement("p");
    out.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", out);
    function update() {
      // A textarea's value holds each line break as LF, but the form sends it as CRLF
      // (HTML form submission) and the server measures, stores and sends what it got:
      // count the text the server will have.
      var m = measure(area.value.replace(/\r\n|\r|\n/g, "\r\n"));
      out.textContent = m.error
        ? fill(area.dataset.smsCounterError, { position: m.error })
        : fill(area.dataset.smsCounter, m);
    }
    area.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-sms-counter]").forEach(attach);
  });
})();
