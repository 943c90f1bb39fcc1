/* Status page: show each <time data-local datetime="…"> in the visitor's own time zone, the zone named
   (the server renders the page's zone; this runs only with JavaScript on). */
(function () {
  "use strict";

  // The page loads its JavaScript catalogue (status/jsi18n/) first; without it, English.
  var gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  var interpolate =
    typeof window.interpolate === "function"
      ? window.interpolate
      : function (format, values) {
          return format.replace(/%\((\w+)\)s/g, function (match, name) { return values[name]; });
        };

  function pad(value) {
    return String(value).padStart(2, "0");
  }

  function localText(moment, format) {
    var parts = {};
    format.formatToParts(moment).forEach(function (part) {
      parts[part.type] = part.value;
    });
    var hour = parts.hour === "24" ? "00" : parts.hour;
    return parts.year + "-" + parts.month + "-" + parts.day + " " + pad(hour) + ":" + parts.minute + " " + parts.timeZoneName;
  }

  function rewrite() {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var format = new Intl.DateTimeFormat("en-US", {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: zone,
      timeZoneName: "short",
    });
    document.querySelectorAll("time[data-local]").forEach(function (element) {
      var moment = new Date(element.getAttribute("datetime"));
      if (isNaN(moment.getTime())) {
        return;
      }
      element.title = element.textContent;
      element.textContent = localText(moment, format);
    });
    document.querySelectorAll("[data-local-zone]").forEach(function (element) {
      element.textContent = interpolate(gettext("Times are in your time zone (%(zone)s)."), { zone: zone }, true);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", rewrite);
  } else {
    rewrite();
  }
})();
