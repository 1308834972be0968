// Draws a network page's graph with cytoscape.js from the JSON the page carries. The table on the page
// holds the same content for anyone not using the graph.
const data = JSON.parse(document.getElementById('network-data').textContent)
const colours = {
  report: '#1d70b8', record: '#003078', intelligence: '#28a197', person_of_concern: '#942514', child: '#00703c',
  person: '#d4351c', nickname: '#f47738', phone: '#4c2c92', vehicle: '#5694ca', handle: '#912b88', place: '#505a5f'
}
const shapes = {
  report: 'round-rectangle', record: 'round-rectangle', intelligence: 'round-rectangle',
  person_of_concern: 'round-rectangle', child: 'ellipse', person: 'diamond'
}

window.cytoscape({
  container: document.getElementById('network-graph'),
  elements: [
    ...data.nodes.map(node => ({ data: node })),
    ...data.edges.map(edge => ({ data: edge }))
  ],
  style: [
    {
      selector: 'node',
      style: {
        label: 'data(label)',
        'font-size': 10,
        'background-color': node => colours[node.data('kind')] || '#505a5f',
        shape: node => shapes[node.data('kind')] || 'ellipse',
        'text-wrap': 'ellipsis',
        'text-max-width': 120
      }
    },
    { selector: 'edge', style: { width: 1, 'line-color': '#b1b4b6' } }
  ],
  layout: { name: 'cose', animate: false, randomize: false }
})
