// Starts GraphiQL against this server's /graphql. Everything it loads comes from this server (no CDN).
/* global React, ReactDOM, GraphiQL */
;(function () {
  var endpoint = new URL('/graphql', window.location.href).href
  var live = GraphiQL.createFetcher({ url: endpoint })
  var schema = null
  // The schema comes from schema.graphql (public either way), so the docs work even where introspection is limited to signed-in callers.
  function fetcher(params, options) {
    if (params && params.operationName === 'IntrospectionQuery') {
      schema = schema || fetch('/graphiql/introspection.json').then(function (r) { return r.json() })
      return schema
    }
    return live(params, options)
  }
  var defaultQuery = [
    '# Upcoming meetings, in Spanish where there is a translation.',
    '# Press the run button (or Ctrl-Enter) to send the query to /graphql.',
    '{',
    '  events(first: 5, language: "es") {',
    '    nodes { id title startsAt format availableLanguages venue { name } }',
    '  }',
    '}',
    '',
  ].join('\n')
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery, defaultEditorToolsVisibility: true }),
  )
})()
