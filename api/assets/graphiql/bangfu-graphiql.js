// Bangfu's GraphiQL start-up: everything is served by Bangfu itself (no CDN).
(function () {
  'use strict';
  var STORAGE_KEY = 'bangfu:token';
  var input = document.getElementById('bangfu-token');
  var toggle = document.getElementById('bangfu-token-toggle');
  input.value = window.localStorage.getItem(STORAGE_KEY) || '';
  input.addEventListener('input', function () {
    window.localStorage.setItem(STORAGE_KEY, input.value.trim());
  });
  toggle.addEventListener('click', function () {
    var hidden = input.type === 'password';
    input.type = hidden ? 'text' : 'password';
    toggle.textContent = hidden ? 'hide' : 'show';
  });

  // The token bar fills the Authorization header unless the headers editor
  // carries a non-empty one of its own.
  function withToken(headers) {
    var out = {};
    var own = '';
    Object.keys(headers || {}).forEach(function (name) {
      if (name.toLowerCase() === 'authorization') {
        own = String(headers[name] || '').trim();
      } else {
        out[name] = headers[name];
      }
    });
    var token = input.value.trim().replace(/^Bearer\s+/i, '');
    if (own && !/^Bearer$/i.test(own)) {
      out.Authorization = own;
    } else if (token) {
      out.Authorization = 'Bearer ' + token;
    }
    return out;
  }

  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var inner = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: wsScheme + '//' + window.location.host + '/graphql'
  });
  function fetcher(params, opts) {
    var options = Object.assign({}, opts || {});
    options.headers = withToken(options.headers);
    return inner(params, options);
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
    defaultQuery: '# Paste a token in the bar above (bangfu token --subject admin --admin),\n# then run this query.\n{\n  __typename\n}\n',
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true
  }));
})();
