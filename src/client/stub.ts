/**
 * The inline stub: a few hundred bytes pasted into the page's <head>. It defines `window.homing`
 * with methods that only queue `[method, args, captureTime]`, so calls made before the client
 * module arrives keep their order and their original time. The client replays the queue.
 * Written in ES5 on purpose: it runs before anything else and must not fail on an old browser.
 */
(function (w: any, name: string) {
  var h = w[name] || (w[name] = { q: [] });
  if (!h.q) return; // the real client is already there
  var methods = ['init', 'track', 'page', 'identify', 'alias', 'group', 'reset', 'consent', 'flush'];
  for (var i = 0; i < methods.length; i++) {
    (function (m) {
      h[m] = h[m] || function () {
        h.q.push([m, Array.prototype.slice.call(arguments), Date.now()]);
      };
    })(methods[i]);
  }
})(window as any, 'homing');
