// Api and HttpApi events, the implicit ServerlessRestApi /
// ServerlessHttpApi, and explicit AWS::Serverless::Api / HttpApi.
#include "services/cloudformation/sam/test_util.h"

namespace nimbus::cfn::sam {
namespace {

using namespace testing;

std::string id_with_prefix(const json::object& r, std::string_view prefix) {
  for (const auto& [id, res] : r) {
    if (id.starts_with(prefix)) return std::string(id);
  }
  return "";
}

TEST(SamApi, ImplicitRestApiFromEvents) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Get: {Type: Api, Properties: {Path: "/items/{id}", Method: get}}
        All: {Type: Api, Properties: {Path: "/{proxy+}", Method: any}}
)");
  EXPECT_EQ(type(r, "ServerlessRestApi"), "AWS::ApiGateway::RestApi");
  const auto& body = props(r, "ServerlessRestApi").at("Body");
  EXPECT_EQ(body.at("swagger"), "2.0");
  const auto& get = body.at("paths").at("/items/{id}").at("get");
  EXPECT_EQ(get.at("x-amazon-apigateway-integration").at("type"), "aws_proxy");
  EXPECT_TRUE(
      body.at("paths").at("/{proxy+}").as_object().contains("x-amazon-apigateway-any-method"));
  std::string deployment = id_with_prefix(r, "ServerlessRestApiDeployment");
  ASSERT_EQ(deployment.size(), std::string("ServerlessRestApiDeployment").size() + 10);
  EXPECT_EQ(props(r, "ServerlessRestApiProdStage").at("StageName"), "Prod");
  EXPECT_EQ(props(r, "ServerlessRestApiProdStage").at("DeploymentId"),
            parse(R"({"Ref":")" + deployment + R"("})"));
  const auto& perm = props(r, "FnGetPermissionProd");
  EXPECT_EQ(perm.at("Principal"), "apigateway.amazonaws.com");
  EXPECT_EQ(
      perm.at("SourceArn").at("Fn::Sub").at(0),
      "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/GET/items/*");
  EXPECT_EQ(type(r, "FnAllPermissionProd"), "AWS::Lambda::Permission");
}

TEST(SamApi, ExplicitApiGetsTheEventsPaths) {
  auto r = resources(R"(
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1, Name: shop, CacheClusterEnabled: true}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Post: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /orders, Method: POST}}
)");
  EXPECT_FALSE(r.contains("ServerlessRestApi"));
  EXPECT_EQ(props(r, "Api").at("Name"), "shop");
  EXPECT_TRUE(props(r, "Api").at("Body").at("paths").at("/orders").as_object().contains("post"));
  EXPECT_EQ(props(r, "Apiv1Stage").at("CacheClusterEnabled"), true);
  EXPECT_EQ(type(r, "FnPostPermissionv1"), "AWS::Lambda::Permission");
}

TEST(SamApi, ApiEventNamingAnUnknownApiIsRefused) {
  EXPECT_NE(error_of(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Post: {Type: Api, Properties: {RestApiId: !Ref Nope, Path: /x, Method: get}}
)")
                .find("RestApiId must be a valid reference to an 'AWS::Serverless::Api'"),
            std::string::npos);
  EXPECT_NE(error_of(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Post: {Type: Api, Properties: {Method: get}}
)")
                .find("Property 'Path' is required."),
            std::string::npos);
}

TEST(SamApi, EventAuthorizersMustBeTheApis) {
  const char* tmpl = R"(
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1, Auth: %s}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Post: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /x, Method: post, Auth: {Authorizer: %s}}}
)";
  auto with = [&](const char* auth, const char* authorizer) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, tmpl, auth, authorizer);
    return error_of(buf);
  };
  EXPECT_NE(with("{}", "Mine")
                .find("Unable to set Authorizer [Mine] on API method [post] for path "
                      "[/x] because the related API does not define any Authorizers."),
            std::string::npos);
  EXPECT_NE(with("{Authorizers: {Other: {FunctionArn: arn}}}", "Mine")
                .find("because it wasn't defined in the API's Authorizers."),
            std::string::npos);
  EXPECT_NE(with("{}", "NONE").find("'NONE' is only a valid value when a DefaultAuthorizer"),
            std::string::npos);
  auto ok = expand(std::string(R"(
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1, Auth: {Authorizers: {Mine: {FunctionArn: arn:fn}}}}
)"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(
      ok->at("Resources").at("ApiMineAuthorizerPermission").at("Properties").at("FunctionName"),
      "arn:fn");
}

TEST(SamHttpApi, ImplicitHttpApiWithDefaultRouteAndPathParameters) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Any: {Type: HttpApi}
        One: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: GET}}
)");
  EXPECT_EQ(type(r, "ServerlessHttpApi"), "AWS::ApiGatewayV2::Api");
  const auto& paths = props(r, "ServerlessHttpApi").at("Body").at("paths");
  EXPECT_EQ(paths.at("$default").at("x-amazon-apigateway-any-method").at("isDefaultRoute"), true);
  EXPECT_EQ(paths.at("/items/{id}").at("get").at("parameters"),
            parse(R"([{"in":"path","name":"id","required":true}])"));
  EXPECT_EQ(props(r, "ServerlessHttpApiApiGatewayDefaultStage").at("StageName"), "$default");
  EXPECT_EQ(props(r, "FnAnyPermission").at("SourceArn").at("Fn::Sub").at(0),
            "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/"
            "${__Stage__}/*");
  // The default route's permission covers every route of the function.
  EXPECT_FALSE(r.contains("FnOnePermission"));
}

TEST(SamHttpApi, RoutePermissionsNameMethodAndPath) {
  auto r = resources(R"(
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        One: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: GET}}
)");
  EXPECT_EQ(props(r, "FnOnePermission").at("SourceArn").at("Fn::Sub").at(0),
            "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/"
            "${__Stage__}/GET/items/*");
}

TEST(SamHttpApi, ExplicitHttpApiWithStageAndCors) {
  auto r = resources(R"(
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties: {StageName: Prod, CorsConfiguration: {AllowOrigins: ["*"]}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /x, Method: get}}
)");
  EXPECT_FALSE(r.contains("ServerlessHttpApi"));
  EXPECT_EQ(type(r, "HttpProdStage"), "AWS::ApiGatewayV2::Stage");
  const auto& body = props(r, "Http").at("Body");
  EXPECT_TRUE(body.at("paths").at("/x").as_object().contains("get"));
  // As SAM writes it: the members camelCased.
  EXPECT_EQ(body.at("x-amazon-apigateway-cors"), parse(R"({"allowOrigins":["*"]})"));
  EXPECT_EQ(type(r, "FnGetPermission"), "AWS::Lambda::Permission");
}

TEST(SamApi, UsagePlansPerApiAndShared) {
  auto out = expand(R"(
Resources:
  One:
    Type: AWS::Serverless::Api
    Properties: {StageName: Prod, Auth: {UsagePlan: {CreateUsagePlan: PER_API, UsagePlanName: one}}}
  Two:
    Type: AWS::Serverless::Api
    Properties: {StageName: Prod, Auth: {UsagePlan: {CreateUsagePlan: SHARED}}}
  Three:
    Type: AWS::Serverless::Api
    Properties: {StageName: Prod, Auth: {UsagePlan: {CreateUsagePlan: SHARED}}}
Outputs:
  Plan: {Value: !Ref One.UsagePlan}
)");
  ASSERT_TRUE(out) << out.error().message;
  const auto& r = out->at("Resources").as_object();
  EXPECT_EQ(props(r, "OneUsagePlan").at("UsagePlanName"), "one");
  EXPECT_EQ(props(r, "OneUsagePlan").at("ApiStages"),
            parse(R"([{"ApiId":{"Ref":"One"},"Stage":{"Ref":"OneProdStage"}}])"));
  EXPECT_EQ(type(r, "OneApiKey"), "AWS::ApiGateway::ApiKey");
  EXPECT_EQ(props(r, "OneUsagePlanKey").at("KeyId"), parse(R"({"Ref":"OneApiKey"})"));
  EXPECT_EQ(props(r, "ServerlessUsagePlan").at("ApiStages").as_array().size(), 2u);
  EXPECT_EQ(props(r, "ServerlessApiKey").at("StageKeys").as_array().size(), 2u);
  EXPECT_EQ(r.at("ServerlessUsagePlan").at("DependsOn"), parse(R"(["Two","Three"])"));
  EXPECT_EQ(out->at("Outputs").at("Plan").at("Value"), parse(R"({"Ref":"OneUsagePlan"})"));
}

TEST(SamHttpApi, StageIdsAndOptInAuthorizerPermissions) {
  auto r = resources(R"(
Resources:
  Named: {Type: AWS::Serverless::HttpApi, Properties: {StageName: beta}}
  Computed: {Type: AWS::Serverless::HttpApi, Properties: {StageName: !Sub "${AWS::StackName}x"}}
  Default:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: $default
      Auth:
        Authorizers:
          On: {FunctionArn: arn:fn, EnableFunctionDefaultPermissions: true}
          Off: {FunctionArn: arn:fn}
)");
  EXPECT_EQ(type(r, "NamedbetaStage"), "AWS::ApiGatewayV2::Stage");
  EXPECT_EQ(type(r, "ComputedStage"), "AWS::ApiGatewayV2::Stage");
  EXPECT_EQ(type(r, "DefaultApiGatewayDefaultStage"), "AWS::ApiGatewayV2::Stage");
  EXPECT_EQ(type(r, "DefaultOnAuthorizerPermission"), "AWS::Lambda::Permission");
  EXPECT_FALSE(r.contains("DefaultOffAuthorizerPermission"));
}

TEST(SamHttpApi, AuthBecomesSecuritySchemesAndRouteSecurity) {
  auto r = resources(R"(
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Lam
        Authorizers:
          Lam:
            FunctionArn: arn:aws:lambda:us-east-1:000000000000:function:auth
            AuthorizerPayloadFormatVersion: 2.0
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization], ReauthorizeEvery: 0}
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: "https://issuer", audience: [a]}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Default: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /a, Method: get}}
        Open:
          Type: HttpApi
          Properties: {ApiId: !Ref Http, Path: /b, Method: get, Auth: {Authorizer: NONE}}
        Scoped:
          Type: HttpApi
          Properties:
            ApiId: !Ref Http
            Path: /c
            Method: get
            Auth: {Authorizer: Jwt, AuthorizationScopes: [write]}
)");
  const auto& body = props(r, "Http").at("Body").as_object();
  const auto& schemes = body.at("components").at("securitySchemes");
  const auto& lam = schemes.at("Lam").at("x-amazon-apigateway-authorizer");
  EXPECT_EQ(lam.at("type"), "request");
  EXPECT_EQ(lam.at("identitySource").at(0), "$request.header.Authorization");
  EXPECT_EQ(lam.at("authorizerResultTtlInSeconds"), 0);
  EXPECT_EQ(lam.at("enableSimpleResponses"), true);
  EXPECT_TRUE(lam.at("authorizerUri").as_object().contains("Fn::Sub"));
  EXPECT_EQ(schemes.at("Jwt").at("x-amazon-apigateway-authorizer").at("type"), "jwt");
  const auto& paths = body.at("paths");
  EXPECT_EQ(paths.at("/a").at("get").at("security"), json::parse(R"([{"Lam": []}])"));
  EXPECT_FALSE(paths.at("/b").at("get").as_object().contains("security"));
  EXPECT_EQ(paths.at("/c").at("get").at("security"), json::parse(R"([{"Jwt": ["write"]}])"));
}

TEST(SamHttpApi, CorsConfigurationTrueOrAnOrigin) {
  auto r = resources(R"(
Globals:
  HttpApi: {CorsConfiguration: true}
Resources:
  One: {Type: AWS::Serverless::HttpApi, Properties: {CorsConfiguration: "https://a.example"}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Implicit: {Type: HttpApi}
)");
  EXPECT_EQ(props(r, "ServerlessHttpApi").at("Body").at("x-amazon-apigateway-cors"),
            parse(R"({"allowOrigins":["*"]})"));
  EXPECT_EQ(props(r, "One").at("Body").at("x-amazon-apigateway-cors"),
            parse(R"({"allowOrigins":["https://a.example"]})"));
}

TEST(SamApi, AuthBecomesSecurityDefinitionsAndMethodSecurity) {
  auto r = resources(R"(
Resources:
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Tok
        ApiKeyRequired: true
        Authorizers:
          Tok:
            FunctionArn: arn:aws:lambda:us-east-1:000000000000:function:auth
            Identity: {Header: X-Token, ReauthorizeEvery: 0}
          Req:
            FunctionPayloadType: REQUEST
            FunctionArn: arn:aws:lambda:us-east-1:000000000000:function:auth
            Identity: {Headers: [A], QueryStrings: [q]}
          Pool:
            UserPoolArn: arn:aws:cognito-idp:us-east-1:000000000000:userpool/p
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Default: {Type: Api, Properties: {RestApiId: !Ref Rest, Path: /a, Method: get}}
        Open:
          Type: Api
          Properties:
            RestApiId: !Ref Rest
            Path: /b
            Method: get
            Auth: {Authorizer: NONE, ApiKeyRequired: false}
        ByRequest:
          Type: Api
          Properties: {RestApiId: !Ref Rest, Path: /c, Method: get, Auth: {Authorizer: Req}}
)");
  const auto& body = props(r, "Rest").at("Body").as_object();
  const auto& defs = body.at("securityDefinitions");
  EXPECT_EQ(defs.at("Tok").at("name"), "X-Token");
  EXPECT_EQ(defs.at("Tok").at("x-amazon-apigateway-authorizer").at("type"), "token");
  EXPECT_EQ(defs.at("Tok").at("x-amazon-apigateway-authorizer").at("authorizerResultTtlInSeconds"),
            0);
  EXPECT_EQ(defs.at("Req").at("x-amazon-apigateway-authorizer").at("identitySource"),
            "method.request.header.A, method.request.querystring.q");
  EXPECT_EQ(defs.at("Pool").at("x-amazon-apigateway-authorizer").at("type"), "cognito_user_pools");
  EXPECT_EQ(defs.at("api_key").at("name"), "x-api-key");
  const auto& paths = body.at("paths");
  EXPECT_EQ(paths.at("/a").at("get").at("security"), parse(R"([{"Tok": []}, {"api_key": []}])"));
  EXPECT_FALSE(paths.at("/b").at("get").as_object().contains("security"));
  EXPECT_EQ(paths.at("/c").at("get").at("security"), parse(R"([{"Req": []}, {"api_key": []}])"));
}

TEST(SamApi, CorsAddsPreflightMethods) {
  auto r = resources(R"(
Globals:
  Api:
    Cors: {AllowOrigin: "'https://a.example'", AllowHeaders: "'content-type'", MaxAge: "'60'"}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k
      Handler: h
      Runtime: python3.12
      Events:
        Get: {Type: Api, Properties: {Path: /items, Method: get}}
        Post: {Type: Api, Properties: {Path: /items, Method: post}}
)");
  const auto& options =
      props(r, "ServerlessRestApi").at("Body").at("paths").at("/items").at("options");
  const auto& params = options.at("x-amazon-apigateway-integration")
                           .at("responses")
                           .at("default")
                           .at("responseParameters");
  EXPECT_EQ(params.at("method.response.header.Access-Control-Allow-Origin"), "'https://a.example'");
  EXPECT_EQ(params.at("method.response.header.Access-Control-Allow-Methods"), "'GET,OPTIONS,POST'");
  EXPECT_EQ(params.at("method.response.header.Access-Control-Max-Age"), "'60'");
  EXPECT_EQ(options.at("x-amazon-apigateway-integration").at("type"), "mock");
  EXPECT_FALSE(options.as_object().contains("security"));
}

}  // namespace
}  // namespace nimbus::cfn::sam
