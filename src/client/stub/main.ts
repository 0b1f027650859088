/**
 * The inline stub: a few hundred bytes pasted into the page's <head>. It defines `window.homing`
 * with every method of the client's API (HomingGlobal in index.ts), each queueing
 * `[method, args, captureTime]`, so calls made before the client module arrives keep their order
 * and their original time. The client replays the queue and hands each call's result to the
 * call's fourth slot when there is one: the stub's flush() and stats() return promises that
 * settle with the real calls' results, and onError() returns an unsubscribe that works before and
 * after the client has loaded. Code pasted from the README (`await homing.flush()`,
 * `await homing.stats()`) thus works whenever it runs.
 * Written in ES5 on purpose: it runs before anything else and must not fail on an old browser
 * (one without Promise gets undefined from flush and stats; it cannot run the client anyway).
 */
(function (w: any, name: string) {
  var h = w[name] || (w[name] = { q: [] });
  if (!h.q) return; // the real client is already there
  // Order matters below: flush and stats (9, 10) return promises, onError (11) an unsubscribe.
  var methods = ['init', 'track', 'page', 'screen', 'identify', 'alias', 'group', 'reset', 'consent', 'flush', 'stats', 'onError'];
  for (var i = 0; i < methods.length; i++) {
    (function (m: string, i: number) {
      h[m] = h[m] || function () {
        var call: any[] = [m, Array.prototype.slice.call(arguments), Date.now()];
        h.q.push(call);
        if (i > 10) {
          var off: any, done: any;
          call[3] = function (real: any) {
            off = real;
            if (done) off(); // unsubscribed before the client loaded
          };
          return function () {
            done = 1;
            if (off) off();
          };
        }
        if (i > 8 && w.Promise) {
          return new w.Promise(function (resolve: any) {
            call[3] = resolve; // the real call's promise: this one settles as it does
          });
        }
      };
    })(methods[i], i);
  }
})(window as any, 'homing');
