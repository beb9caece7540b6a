import { X } from "@ztsdb/model"; console.log(X);
