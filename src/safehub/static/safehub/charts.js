// Draws each figure's chart with Chart.js from the data table beside it, so the chart and the table always say
// the same; withheld ("[c]") and unrecorded ("[x]") cells are gaps, never zeros. Without JavaScript the charts
// stay hidden and the tables carry everything. No inline script: the CSP allows none.
(function () {
  const colours = ['#1d70b8', '#d4351c', '#00703c', '#4c2c92', '#f47738', '#28a197', '#912b88']
  const number = text => {
    const value = text.trim().replace(/,/g, '')
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) : null
  }
  document.querySelectorAll('[data-chart]').forEach(box => {
    const table = document.getElementById(box.dataset.source)
    const canvas = box.querySelector('canvas')
    if (!table || !canvas || !window.Chart) return
    const kind = box.dataset.chart
    const headers = Array.from(table.tHead.rows[0].cells).map(cell => cell.textContent.trim())
    const rows = Array.from(table.tBodies[0].rows).filter(row => !row.classList.contains('safehub-total'))
    const labels = rows.map(row => row.cells[0].textContent.trim())
    let columns = headers.map((header, index) => ({ header, index })).slice(1).filter(c => c.header !== 'Total')
    if (kind === 'bar') columns = columns.slice(0, 1)
    const datasets = columns.map((column, n) => ({
      label: column.header,
      data: rows.map(row => number(row.cells[column.index].textContent)),
      backgroundColor: colours[n % colours.length],
      borderColor: colours[n % colours.length],
      spanGaps: false
    }))
    box.hidden = false
    const options = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: kind !== 'bar' } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
    if (kind === 'share') options.scales.y.max = 100
    const chart = new window.Chart(canvas, { type: kind === 'bar' ? 'bar' : 'line', data: { labels, datasets }, options })
    canvas.dataset.drawn = String(chart.data.datasets.length)
  })
})()
