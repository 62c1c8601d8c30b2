// `nimbus deploy`'s packaging: the functions of a template whose code is a
// local folder or file, and the .zip made of each (what `sam build` does
// without Docker: Python requirements and Node dependencies installed into
// the package with the host's pip / npm when they are there).
#pragma once

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"

namespace nimbus::cli {

// One location in a template that names local code.
struct CodeAsset {
  enum class Where {
    kServerlessCodeUri,  // AWS::Serverless::Function Properties.CodeUri
    kLambdaCode,         // AWS::Lambda::Function Properties.Code (a path string)
    kGlobalsCodeUri,     // Globals.Function.CodeUri
    kLayerContentUri,    // AWS::Serverless::LayerVersion Properties.ContentUri
    kLayerContent,       // AWS::Lambda::LayerVersion Properties.Content (a path string)
  };
  Where where = Where::kServerlessCodeUri;
  std::string logical_id;  // the resource's; "" for Globals
  std::string path;        // absolute, normalised
  // The functions (logical ids) whose code this is: the resource itself,
  // or for Globals every Serverless function that inherits it; none for a
  // layer (a new layer version is a stack update).
  std::vector<std::string> functions;

  bool layer() const { return where == Where::kLayerContentUri || where == Where::kLayerContent; }
};

// The local code locations of `tmpl` (a parsed template): CodeUri / Code
// and layers' ContentUri / Content strings that are not s3:// URIs, resolved against `base_dir`. A
// Serverless function without CodeUri or InlineCode inherits Globals'
// (listed once, as kGlobalsCodeUri).
std::vector<CodeAsset> local_code(const boost::json::object& tmpl, const std::string& base_dir);

// Points the asset's location in `tmpl` at s3://bucket/key.
void point_at(boost::json::object& tmpl, const CodeAsset& asset, const std::string& bucket,
              const std::string& key);

// The deployment package of `path`: a .zip (or .jar) file as it is;
// another file zipped alone; a folder zipped whole (files sorted,
// __pycache__ and .git left out) with its dependencies: what `pip install
// -r requirements.txt -t` installs when requirements.txt names any, and
// node_modules from `npm install --omit=dev` on its package.json when that
// has dependencies, when the tool is on PATH. Installed dependencies are
// kept (in temporary folders, removed at exit) until the requirements
// change, so rebuilding a package after a code change runs no tool. The
// same files always make the same bytes. Progress and tool output go to
// `log`. Blocks (runs processes).
Result<std::string> build_package(const std::string& path, std::ostream& log);

}  // namespace nimbus::cli
