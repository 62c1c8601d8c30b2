"""HTTP API JWT authorizers end to end: an OpenID issuer served by the test
(its openid-configuration and JWKS on an ephemeral port, an RSA key made with
`cryptography`), tokens signed here, and the real server checking them:
no token, a forged or expired token (401 with www-authenticate), a missing
scope (403), and a good token whose claims reach the function. REST
COGNITO_USER_POOLS authorizers against the same kind of issuer standing in
for a user pool (`--apigateway-cognito-endpoint`)."""

import base64
import http.server
import json
import threading
import time
import unittest

from harness import ServerTestCase, require_boto3, zip_of
from test_apigw import HANDLER, ROLE


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n):
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class Issuer:
    """An OpenID issuer on 127.0.0.1: discovery document and key set, under
    `prefix` (a Cognito user pool's issuer is the endpoint and its pool id)."""

    def __init__(self, prefix=""):
        from cryptography.hazmat.primitives.asymmetric import rsa
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        jwks = {"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
                          "n": b64url(int_bytes(numbers.n)), "e": b64url(int_bytes(numbers.e))}]}
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == prefix + "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks"}
                elif self.path == prefix + "/jwks":
                    body = jwks
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.url = self.endpoint + prefix
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def token(self, key=None, **claims):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        body = {"iss": self.url, "aud": "webapp", "sub": "user-1", "exp": int(time.time()) + 600,
                "iat": int(time.time()), "scope": "items/read"}
        body.update(claims)
        part = b64url(json.dumps({"alg": "RS256", "kid": "k1", "typ": "JWT"}).encode()) + "." + \
            b64url(json.dumps(body).encode())
        sig = (key or self.key).sign(part.encode(), padding.PKCS1v15(), hashes.SHA256())
        return part + "." + b64url(sig)

    def close(self):
        self.httpd.shutdown()


class JwtAuthorizerTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        try:
            import cryptography  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("python cryptography is not installed")
        cls.issuer = Issuer()
        lam = cls.server.boto3_client("lambda")
        fn = lam.create_function(FunctionName="jwt-echo", Runtime="python3.11", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": zip_of({"app.py": HANDLER})},
                                 Timeout=10)["FunctionArn"]
        gw = cls.server.boto3_client("apigatewayv2")
        cls.api_id = gw.create_api(Name="jwt", ProtocolType="HTTP")["ApiId"]
        integ = gw.create_integration(ApiId=cls.api_id, IntegrationType="AWS_PROXY",
                                      IntegrationUri=fn, PayloadFormatVersion="2.0")
        auth = gw.create_authorizer(
            ApiId=cls.api_id, Name="jwt", AuthorizerType="JWT",
            IdentitySource=["$request.header.Authorization"],
            JwtConfiguration={"Issuer": cls.issuer.url, "Audience": ["webapp"]})
        for key, scopes in (("GET /items", ["items/read"]), ("POST /items", ["items/write"])):
            gw.create_route(ApiId=cls.api_id, RouteKey=key, AuthorizationType="JWT",
                            AuthorizerId=auth["AuthorizerId"], AuthorizationScopes=scopes,
                            Target="integrations/" + integ["IntegrationId"])
        gw.create_stage(ApiId=cls.api_id, StageName="$default", AutoDeploy=True)

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "issuer"):
            cls.issuer.close()
        super().tearDownClass()

    def call(self, method="GET", token=None):
        import urllib.error
        import urllib.request
        headers = {"Authorization": "Bearer " + token} if token else {}
        req = urllib.request.Request(
            self.server.endpoint + "/_aws/execute-api/%s/items" % self.api_id, method=method,
            headers=headers, data=b"{}" if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def test_a_good_token_reaches_the_function_with_its_claims(self):
        status, _, body = self.call(token=self.issuer.token())
        self.assertEqual(status, 200, body)
        jwt = json.loads(body)["event"]["requestContext"]["authorizer"]["jwt"]
        self.assertEqual(jwt["claims"]["sub"], "user-1")
        self.assertEqual(jwt["claims"]["iss"], self.issuer.url)
        self.assertEqual(jwt["scopes"], ["items/read"])

    def test_bad_tokens_are_refused(self):
        from cryptography.hazmat.primitives.asymmetric import rsa
        status, _, body = self.call()
        self.assertEqual((status, json.loads(body)), (401, {"message": "Unauthorized"}))
        forged = self.issuer.token(key=rsa.generate_private_key(65537, 2048))
        status, headers, _ = self.call(token=forged)
        self.assertEqual(status, 401)
        self.assertIn('error="invalid_token"', headers["www-authenticate"])
        status, headers, _ = self.call(token=self.issuer.token(exp=int(time.time()) - 10))
        self.assertEqual(status, 401)
        self.assertIn("expired", headers["www-authenticate"])
        status, _, _ = self.call(token=self.issuer.token(aud="someone-else"))
        self.assertEqual(status, 401)
        status, headers, body = self.call("POST", token=self.issuer.token())
        self.assertEqual((status, json.loads(body)), (403, {"message": "Forbidden"}))
        self.assertIn('error="insufficient_scope"', headers["www-authenticate"])
        status, _, _ = self.call("POST", token=self.issuer.token(scope="items/read items/write"))
        self.assertEqual(status, 200)


POOL = "us-east-1_E2ePool1"


class CognitoAuthorizerTest(ServerTestCase):
    """A REST API method behind a COGNITO_USER_POOLS authorizer, the server
    reading user pools' keys from the test's issuer
    (--apigateway-cognito-endpoint): an ID token of the pool passes and a
    claim reaches the mapping template; none, a forged one or an access
    token (the method asks no scope) is the 401."""

    @classmethod
    def setUpClass(cls):
        try:
            import cryptography  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("python cryptography is not installed")
        cls.issuer = Issuer("/" + POOL)
        cls.server_args = ("--apigateway-cognito-endpoint", cls.issuer.endpoint)
        super().setUpClass()
        require_boto3()
        rest = cls.server.boto3_client("apigateway")
        api = rest.create_rest_api(name="pool")["id"]
        root = [r["id"] for r in rest.get_resources(restApiId=api)["items"]
                if r["path"] == "/"][0]
        res = rest.create_resource(restApiId=api, parentId=root, pathPart="me")["id"]
        auth = rest.create_authorizer(
            restApiId=api, name="pool", type="COGNITO_USER_POOLS",
            providerARNs=["arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + POOL],
            identitySource="method.request.header.Authorization")["id"]
        common = dict(restApiId=api, resourceId=res, httpMethod="GET")
        rest.put_method(authorizationType="COGNITO_USER_POOLS", authorizerId=auth, **common)
        rest.put_integration(type="MOCK",
                             requestTemplates={"application/json": '{"statusCode": 200}'},
                             **common)
        rest.put_method_response(statusCode="200", **common)
        rest.put_integration_response(
            statusCode="200", responseTemplates={
                "application/json": '{"user": "$context.authorizer.claims.sub"}'}, **common)
        rest.create_deployment(restApiId=api, stageName="v1")
        cls.url = "%s/_aws/execute-api/%s/v1/me" % (cls.server.endpoint, api)

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "issuer"):
            cls.issuer.close()
        super().tearDownClass()

    def get(self, token=None):
        import urllib.error
        import urllib.request
        req = urllib.request.Request(self.url, headers={"Authorization": token} if token else {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_an_id_token_of_the_pool_passes(self):
        from cryptography.hazmat.primitives.asymmetric import rsa
        id_token = self.issuer.token(token_use="id", aud="client1")
        self.assertEqual(self.get(id_token), (200, {"user": "user-1"}))
        unauthorized = (401, {"message": "Unauthorized"})
        self.assertEqual(self.get(), unauthorized)
        forged = self.issuer.token(key=rsa.generate_private_key(65537, 2048), token_use="id")
        self.assertEqual(self.get(forged), unauthorized)
        self.assertEqual(self.get(self.issuer.token(token_use="access")), unauthorized)


if __name__ == "__main__":
    unittest.main()
