// lab's page script: Next/Back step through the events (or runs) as `lab --step` does.
// Step 0 shows everything; step k shows what happened up to the k-th event, highlights it
// and prints its line of --json. Everything it needs is in the page: no network, no library.
(function () {
  'use strict';
  var rows = Array.prototype.slice.call(document.querySelectorAll('#steps tbody tr[data-step]'));
  var marks = Array.prototype.slice.call(document.querySelectorAll('#chart [data-step], #chart [data-trials]'));
  var total = rows.length;
  var back = document.getElementById('back');
  var next = document.getElementById('next');
  var position = document.getElementById('position');
  var json = document.getElementById('step-json');

  // The embedded JSON Lines, by event seq and by trial number.
  var lines = {};
  var source = document.getElementById('lab-json');
  source.textContent.split('\n').forEach(function (text) {
    if (!text.trim()) { return; }
    var value = JSON.parse(text);
    if (value.seq !== undefined) { lines['seq:' + value.seq] = value; }
    if (value.trial !== undefined) { lines['trial:' + value.trial] = value; }
  });

  function keyOf(row) {
    var seq = row.getAttribute('data-seq');
    return seq !== null ? 'seq:' + seq : 'trial:' + row.getAttribute('data-trial');
  }

  function markState(mark, current) {
    if (current === 0) { return ''; }
    var trials = mark.getAttribute('data-trials');
    if (trials !== null) {
      return trials.split(' ').indexOf(String(current)) >= 0 ? 'current' : 'later';
    }
    var step = Number(mark.getAttribute('data-step'));
    if (step === current) { return 'current'; }
    return step > current ? 'later' : '';
  }

  var current = 0;
  function show(k) {
    current = Math.max(0, Math.min(total, k));
    document.body.setAttribute('data-current', String(current));
    marks.forEach(function (mark) {
      var state = markState(mark, current);
      mark.classList.toggle('current', state === 'current');
      mark.classList.toggle('later', state === 'later');
    });
    rows.forEach(function (row, i) {
      row.classList.toggle('current', i + 1 === current);
      row.classList.toggle('later', current > 0 && i + 1 > current);
    });
    if (current === 0) {
      position.textContent = position.getAttribute('data-overview');
      json.textContent = '';
    } else {
      var row = rows[current - 1];
      position.textContent = position.getAttribute('data-template')
        .replace('{k}', String(current)).replace('{n}', String(total));
      var value = lines[keyOf(row)];
      json.textContent = value === undefined ? '' : JSON.stringify(value);
      row.scrollIntoView({ block: 'nearest' });
    }
    back.disabled = current === 0;
    next.disabled = current === total;
  }

  back.addEventListener('click', function () { show(current - 1); });
  next.addEventListener('click', function () { show(current + 1); });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'ArrowRight' || event.key === ' ') {
      show(current + 1);
      event.preventDefault();
    } else if (event.key === 'ArrowLeft') {
      show(current - 1);
      event.preventDefault();
    }
  });
  show(0);
}());
