import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Chart.js from node_modules, served by the app itself (no CDN); read once. */
export function chartJsSource(): string {
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

/**
 * The dashboard's only script: draws the two charts from the JSON the page embeds. Kept here as
 * text so it ships with the compiled server and needs no build step.
 */
export const DASHBOARD_SCRIPT = `(function () {
  'use strict';
  // The chart boxes get their height only when a chart will be drawn in them (see the page's CSS).
  document.documentElement.classList.add('js');
  var data = JSON.parse(document.getElementById('dashboard-data').textContent);
  var colours = { transactional: '#94a3b8', notice: '#0f766e', editorial: '#2563eb', promotional: '#d97706' };
  var charts = {};
  window.tidingsCharts = charts;
  charts.sends = new Chart(document.getElementById('sends-chart'), {
    type: 'bar',
    data: {
      labels: data.sends.days,
      datasets: data.sends.series.map(function (s) {
        return { label: s.kind, data: s.counts, backgroundColor: colours[s.kind] || '#6b7280', stack: 'sends' };
      }),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
  charts.helpful = new Chart(document.getElementById('helpful-chart'), {
    type: 'bar',
    data: {
      labels: data.helpful.map(function (x) { return x.topic; }),
      datasets: [{
        label: 'Found useful (% of votes)',
        data: data.helpful.map(function (x) { return x.ratio === null ? null : Math.round(x.ratio * 1000) / 10; }),
        backgroundColor: '#0f766e',
      }],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: 'y',
      scales: { x: { min: 0, max: 100 } },
      plugins: {
        tooltip: {
          callbacks: {
            afterLabel: function (ctx) { return data.helpful[ctx.dataIndex].votes + ' votes'; },
          },
        },
      },
    },
  });
  document.documentElement.setAttribute('data-charts', 'ready');
})();
`;
